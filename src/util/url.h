// URL pieces needed for signing and for building query-protocol bodies.
#pragma once

#include <string>
#include <string_view>

namespace sp::url {

/// RFC 3986 percent-encoding: every byte except A-Z a-z 0-9 - _ . ~ becomes
/// %XX (uppercase hex). This is the encoding SigV4 and encodeURIComponent-style
/// query parameters need.
std::string percent_encode(std::string_view text);

/// Decodes %XX sequences; with `plus_as_space`, '+' becomes ' ' as in form
/// bodies. Invalid sequences are kept as they are.
std::string percent_decode(std::string_view text, bool plus_as_space = false);

struct Parts {
  std::string scheme;  // lowercase, e.g. "https"
  std::string host;    // without port
  int port = 0;        // explicit port, 0 when the URL has none
  std::string path;    // "/" when empty
  std::string query;   // without '?'
};

/// Splits an absolute http(s) URL. Returns false when `text` has no scheme
/// or host.
bool parse(std::string_view text, Parts& parts);

/// Returns the Host header value curl sends for `parts`: the host, with
/// ":port" when the port is not the scheme's default.
std::string host_header(const Parts& parts);

}  // namespace sp::url
