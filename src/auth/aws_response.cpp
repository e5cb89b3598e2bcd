#include "auth/aws_response.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <string_view>

#include "util/json.h"
#include "util/xml.h"

namespace sp::auth {
namespace {

// botocore retries/standard.py and data/_retry.json.
constexpr std::string_view kThrottlingCodes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "EC2ThrottledException",
};

constexpr std::string_view kTransientCodes[] = {
    "RequestTimeout",       "RequestTimeoutException", "PriorRequestNotComplete",
    "IDPCommunicationError", "InternalServiceError",   "InternalServerError",
    "InternalFailure",      "ServiceUnavailable",
};

std::string normalize_code(std::string code) {
  auto hash = code.rfind('#');
  if (hash != std::string::npos) code = code.substr(hash + 1);
  auto colon = code.find(':');
  if (colon != std::string::npos) code = code.substr(0, colon);
  return code;
}

template <size_t N>
bool contains(const std::string_view (&list)[N], const std::string& code) {
  return std::find(std::begin(list), std::end(list), code) != std::end(list);
}

}  // namespace

ProviderError parse_aws_error(const http::Response& response) {
  ProviderError error;
  error.http_status = response.status;
  if (response.status == 0) {
    error.message = response.transport_error;
    return error;
  }
  error.request_id = response.header("x-amzn-requestid");
  if (error.request_id.empty()) error.request_id = response.header("x-amz-request-id");

  std::string_view body = response.body;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front()))) body.remove_prefix(1);
  if (body.starts_with("{")) {
    rapidjson::Document document;
    document.Parse(body.data(), body.size());
    if (!document.HasParseError() && document.IsObject()) {
      error.code = normalize_code(json::string_member(document, "__type"));
      error.message = json::string_member(document, "message");
      if (error.message.empty()) error.message = json::string_member(document, "Message");
    }
  } else if (body.starts_with("<")) {
    if (auto root = xml::parse(body)) {
      const xml::Element* fault = root->name == "Error" ? &*root : root->find("Error");
      if (fault) {
        error.code = fault->text_at("Code");
        error.message = fault->text_at("Message");
      }
      if (error.request_id.empty()) error.request_id = root->text_at("RequestId");
    }
  }
  if (error.code.empty()) error.code = normalize_code(response.header("x-amzn-errortype"));
  return error;
}

bool is_throttling(const ProviderError& error) {
  return error.http_status == 429 || contains(kThrottlingCodes, error.code);
}

bool is_clock_skew(const ProviderError& error) {
  if (error.code == "RequestTimeTooSkewed" || error.code == "RequestExpired" ||
      error.code == "RequestInTheFuture")
    return true;
  bool signature_error = error.code == "SignatureDoesNotMatch" || error.code == "InvalidSignatureException";
  return signature_error && error.message.find("Signature expired") != std::string::npos;
}

bool is_retryable(const ProviderError& error) {
  if (error.http_status == 0) return true;  // connection failure, reset or timeout
  if (error.http_status >= 500) return true;
  return is_throttling(error) || contains(kTransientCodes, error.code);
}

}  // namespace sp::auth
