#include "auth/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <vector>

#include "util/url.h"

namespace sp::auth {
namespace {

// botocore auth.py SIGNED_HEADERS_BLACKLIST, plus Expect, which curl may add.
constexpr std::string_view kUnsignedHeaders[] = {
    "connection", "expect",      "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer",    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id", "authorization",
};

std::string to_hex(const unsigned char* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xF];
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  std::string out(reinterpret_cast<char*>(digest), length);
  OPENSSL_cleanse(digest, sizeof digest);
  return out;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Trims the value and collapses inner runs of spaces, as the canonical form requires.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Each path segment is decoded, then RFC 3986-encoded.
std::string canonical_uri(const std::string& path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view segment =
        std::string_view(path).substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    out += url::percent_encode(url::percent_decode(segment));
    if (slash == std::string::npos) break;
    out += '/';
    start = slash + 1;
  }
  return out.empty() ? "/" : out;
}

std::string canonical_query(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    std::string_view item = std::string_view(query).substr(
        start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!item.empty()) {
      auto equals = item.find('=');
      std::string key = url::percent_encode(url::percent_decode(item.substr(0, equals)));
      std::string value = equals == std::string_view::npos
                              ? ""
                              : url::percent_encode(url::percent_decode(item.substr(equals + 1)));
      pairs.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) {
    if (!out.empty()) out += '&';
    out += key + "=" + value;
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, length);
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[17];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

Signature sign(http::Request& request, const AwsCredentials& credentials, const std::string& region,
               const std::string& service, std::chrono::system_clock::time_point now) {
  const std::string timestamp = amz_date(now);
  const std::string date = timestamp.substr(0, 8);
  request.headers.emplace_back("X-Amz-Date", timestamp);
  if (!credentials.session_token.empty())
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token.reveal());

  url::Parts parts;
  url::parse(request.url, parts);
  // Repeated headers are joined with commas, as the receiver sees them.
  std::map<std::string, std::string> canonical_headers;
  canonical_headers["host"] = url::host_header(parts);
  for (const auto& [name, value] : request.headers) {
    std::string key = lowercase(name);
    if (std::find(std::begin(kUnsignedHeaders), std::end(kUnsignedHeaders), key) !=
        std::end(kUnsignedHeaders))
      continue;
    std::string& joined = canonical_headers[key];
    if (!joined.empty()) joined += ',';
    joined += canonical_header_value(value);
  }

  Signature result;
  std::string header_block;
  for (const auto& [name, value] : canonical_headers) {
    header_block += name + ":" + value + "\n";
    if (!result.signed_headers.empty()) result.signed_headers += ';';
    result.signed_headers += name;
  }
  result.canonical_request = request.method + "\n" + canonical_uri(parts.path) + "\n" +
                             canonical_query(parts.query) + "\n" + header_block + "\n" +
                             result.signed_headers + "\n" + sha256_hex(request.body);

  const std::string scope = date + "/" + region + "/" + service + "/aws4_request";
  result.string_to_sign = "AWS4-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" +
                          sha256_hex(result.canonical_request);

  std::string key = hmac("AWS4" + credentials.secret_access_key.reveal(), date);
  key = hmac(key, region);
  key = hmac(key, service);
  key = hmac(key, "aws4_request");
  std::string mac = hmac(key, result.string_to_sign);
  OPENSSL_cleanse(key.data(), key.size());
  result.signature = to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());

  request.headers.emplace_back(
      "Authorization", "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                           ", SignedHeaders=" + result.signed_headers +
                           ", Signature=" + result.signature);
  return result;
}

}  // namespace sp::auth
