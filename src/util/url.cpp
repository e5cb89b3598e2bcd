#include "util/url.h"

#include <algorithm>
#include <cctype>

namespace sp::url {
namespace {

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (is_unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += (plus_as_space && c == '+') ? ' ' : c;
  }
  return out;
}

bool parse(std::string_view text, Parts& parts) {
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
  parts = Parts{};
  parts.scheme = std::string(text.substr(0, scheme_end));
  std::transform(parts.scheme.begin(), parts.scheme.end(), parts.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = text.substr(scheme_end + 3);
  auto fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    std::string port(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (port.empty() || !std::all_of(port.begin(), port.end(), ::isdigit) || port.size() > 5)
      return false;
    parts.port = std::stoi(port);
  }
  if (authority.empty()) return false;
  parts.host = std::string(authority);
  std::transform(parts.host.begin(), parts.host.end(), parts.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto question = rest.find('?');
  parts.path = std::string(rest.substr(0, question));
  if (parts.path.empty()) parts.path = "/";
  if (question != std::string_view::npos) parts.query = std::string(rest.substr(question + 1));
  return true;
}

std::string host_header(const Parts& parts) {
  bool default_port = parts.port == 0 || (parts.scheme == "https" && parts.port == 443) ||
                      (parts.scheme == "http" && parts.port == 80);
  return default_port ? parts.host : parts.host + ":" + std::to_string(parts.port);
}

}  // namespace sp::url
