// HTTP transport. Providers call HttpTransport::perform() from any thread;
// CurlTransport runs every request on one libcurl multi handle, so requests
// share a connection cache, multiplex over HTTP/2 where the server offers it,
// and never exceed the configured number of connections. Tests substitute a
// fake HttpTransport.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sp::http {

struct Request {
  std::string method = "POST";
  std::string url;
  /// Header names as sent; the transport adds Host and Content-Length.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Whole-request timeout; 0 uses the transport's default.
  std::chrono::milliseconds timeout{0};
};

struct Response {
  /// HTTP status, or 0 when no response arrived (see `transport_error`).
  int status = 0;
  /// Header names lowercased; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
  std::string body;
  /// libcurl's error text when the request failed before a response.
  std::string transport_error;
  /// True when that failure was a timeout (connect or total).
  bool timed_out = false;
  /// True when the server's certificate failed verification (unknown CA,
  /// wrong host name) or the CA bundle could not be read: a retry would fail
  /// the same way.
  bool tls_failure = false;

  bool ok() const { return status >= 200 && status < 300; }
  /// Returns the header value, or "" when absent. `name` must be lowercase.
  std::string header(const std::string& name) const;
};

/// Performs HTTP requests. Implementations must be safe to call from several
/// threads at once.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  /// Sends `request` and blocks until the response or a transport failure.
  /// Never throws for network errors; they come back in Response.
  virtual Response perform(const Request& request) = 0;
};

struct TransportOptions {
  /// PEM file of CA certificates to trust instead of the system store; empty
  /// for the system default.
  std::string ca_bundle;
  /// Maximum number of simultaneous connections.
  int max_connections = 16;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
};

/// Returns the CA bundle to use: `option` when set, else the
/// SECRET_PREFLIGHT_CA_BUNDLE environment variable, else AWS_CA_BUNDLE, else "".
std::string resolve_ca_bundle(const std::string& option);

/// Creates the libcurl transport. It owns a worker thread that drives the
/// multi handle until the transport is destroyed.
std::unique_ptr<HttpTransport> make_curl_transport(const TransportOptions& options);

}  // namespace sp::http
