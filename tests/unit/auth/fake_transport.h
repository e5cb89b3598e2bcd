// An in-memory HttpTransport for unit tests: a handler returns the response to each request,
// and every request is recorded.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "util/http.h"

namespace sp::testing {

class FakeTransport : public http::HttpTransport {
 public:
  using Handler = std::function<http::Response(const http::Request&)>;
  explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}

  http::Response perform(const http::Request& request) override {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    return handler_(request);
  }

  std::vector<http::Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  Handler handler_;
  std::mutex mutex_;
  std::vector<http::Request> requests_;
};

inline http::Response respond(int status, std::string body,
                              std::map<std::string, std::string> headers = {}) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

inline std::string header_of(const http::Request& request, const std::string& name) {
  for (const auto& [key, value] : request.headers)
    if (key == name) return value;
  return "";
}

/// Returns the form parameter `name` of a query-protocol body, decoded.
std::string form_param(const std::string& body, const std::string& name);

inline std::string sts_credentials_xml(const std::string& operation, const std::string& key_id,
                                       const std::string& secret, const std::string& token) {
  return "<" + operation + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><" + operation +
         "Result><Credentials><AccessKeyId>" + key_id + "</AccessKeyId><SecretAccessKey>" + secret +
         "</SecretAccessKey><SessionToken>" + token +
         "</SessionToken><Expiration>2026-01-01T12:15:00Z</Expiration></Credentials></" + operation +
         "Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></" + operation +
         "Response>";
}

inline std::string sts_error_xml(const std::string& code, const std::string& message) {
  return "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>" +
         code + "</Code><Message>" + message + "</Message></Error><RequestId>r-2</RequestId></ErrorResponse>";
}

}  // namespace sp::testing

#include "util/url.h"

inline std::string sp::testing::form_param(const std::string& body, const std::string& name) {
  size_t start = 0;
  while (start <= body.size()) {
    size_t amp = body.find('&', start);
    std::string item = body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (item.starts_with(name + "=")) return url::percent_decode(item.substr(name.size() + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return "";
}
