#include "auth/gcp_tokens.h"

#include <rapidjson/document.h>

#include "auth/gcp_endpoints.h"
#include "auth/gcp_response.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/redaction.h"

namespace sp::auth {
namespace {

constexpr const char* kCloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";
// Impersonated tokens live ten minutes, longer than any probe run needs and
// far below the 3600 s maximum generateAccessToken allows by default.
constexpr const char* kImpersonatedLifetime = "600s";

// Sends `request` with the run's retries; a non-2xx response is parsed as a
// Google error.
RetryOutcome send(http::HttpTransport& transport, const RetryPolicy& retry, http::Request& request,
                  const std::string& operation, const std::string& target) {
  return run_with_retries(retry, operation, target, [&] {
    request.timeout = attempt_timeout(retry);
    Attempt attempt;
    attempt.response = transport.perform(request);
    if (!attempt.response.ok()) attempt.error = parse_google_error(attempt.response);
    return attempt;
  });
}

// Reads the string member `name` of the JSON body in place, wipes the body,
// and registers the value with redaction.
std::string take_token(std::string& body, const char* name) {
  std::string token;
  {
    rapidjson::Document document;
    document.ParseInsitu(body.data());
    if (!document.HasParseError()) token = json::string_member(document, name);
  }
  wipe(body);
  redaction::register_value(token);
  return token;
}

GoogleToken failed(GoogleStep step, const RetryOutcome& outcome) {
  GoogleTokenFailure failure;
  failure.step = step;
  failure.error = outcome.last.error;
  failure.deadline_reached = outcome.deadline_reached;
  if (outcome.last.error) failure.reason = google_error_reason(outcome.last.response.body);
  GoogleToken result;
  result.failure = failure;
  return result;
}

GoogleToken missing_field(GoogleStep step, const std::string& field, int status) {
  ProviderError error;
  error.http_status = status;
  error.message = "the response has no \"" + field + "\" field";
  GoogleTokenFailure failure;
  failure.step = step;
  failure.error = error;
  GoogleToken result;
  result.failure = failure;
  return result;
}

}  // namespace

std::string sts_audience(const WorkloadProvider& provider) {
  return "//iam.googleapis.com/" + provider.resource_name;
}

std::string repository_claim(const std::string& jwt) {
  auto first = jwt.find('.');
  auto second = first == std::string::npos ? std::string::npos : jwt.find('.', first + 1);
  if (second == std::string::npos) return "";
  auto payload = base64::decode(std::string_view(jwt).substr(first + 1, second - first - 1));
  if (!payload) return "";
  rapidjson::Document document;
  document.Parse(payload->data(), payload->size());
  if (document.HasParseError()) return "";
  return json::string_member(document, "repository");
}

GoogleToken GoogleTokenBroker::cached(const std::string& key, const std::function<GoogleToken()>& fetch) {
  std::promise<GoogleToken> promise;
  {
    std::unique_lock lock(mutex_);
    auto found = tokens_.find(key);
    if (found != tokens_.end()) {
      auto pending = found->second;
      lock.unlock();
      return pending.get();
    }
    tokens_.emplace(key, promise.get_future().share());
  }
  GoogleToken token = fetch();
  promise.set_value(token);
  return token;
}

GoogleToken GoogleTokenBroker::federated_token(const WorkloadProvider& provider) {
  return cached("sts\n" + provider.resource_name + "\n" + provider.token_audience,
                [&] { return exchange(provider); });
}

GoogleToken GoogleTokenBroker::service_account_token(const WorkloadProvider& provider,
                                                     const std::string& service_account) {
  return cached("sa\n" + provider.resource_name + "\n" + provider.token_audience + "\n" + service_account,
                [&] { return impersonate(provider, service_account); });
}

GoogleToken GoogleTokenBroker::exchange(const WorkloadProvider& provider) {
  TokenOptions options = token_options_;
  options.audience = provider.token_audience;
  CiTokenSource source(transport_, options, retry_);
  TokenResult ci = source.fetch();
  GoogleToken result;
  if (!ci.error.empty()) {
    GoogleTokenFailure failure;
    failure.step = GoogleStep::kCiToken;
    failure.token_error = ci.error;
    failure.token_error_transient = ci.transient;
    result.failure = failure;
    return result;
  }
  result.repository = repository_claim(ci.token.reveal());

  // JSON with camelCase fields, as google-github-actions/auth sends it. STS
  // must not receive an Authorization header.
  http::Request request;
  request.method = "POST";
  request.url = google_url(GoogleApi::kSts, "v1/token");
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = "{\"audience\":" + json::quote(sts_audience(provider)) +
                 ",\"grantType\":\"urn:ietf:params:oauth:grant-type:token-exchange\""
                 ",\"requestedTokenType\":\"urn:ietf:params:oauth:token-type:access_token\""
                 ",\"scope\":\"" + kCloudPlatformScope + "\""
                 ",\"subjectTokenType\":\"urn:ietf:params:oauth:token-type:jwt\""
                 ",\"subjectToken\":" + json::quote(ci.token.reveal()) + "}";
  RetryOutcome outcome = send(transport_, retry_, request, "the Google STS token exchange",
                              provider.resource_name);
  wipe(request.body);
  if (outcome.last.error || outcome.attempts == 0) {
    GoogleToken failure = failed(GoogleStep::kExchange, outcome);
    failure.repository = result.repository;
    return failure;
  }
  std::string token = take_token(outcome.last.response.body, "access_token");
  if (token.empty()) {
    GoogleToken failure = missing_field(GoogleStep::kExchange, "access_token", outcome.last.response.status);
    failure.repository = result.repository;
    return failure;
  }
  result.token = std::make_shared<const SensitiveString>(std::move(token));
  return result;
}

GoogleToken GoogleTokenBroker::impersonate(const WorkloadProvider& provider, const std::string& service_account) {
  GoogleToken federated = federated_token(provider);
  if (federated.failure) return federated;

  http::Request request;
  request.method = "POST";
  // The '-' project segment is required: the email names the account.
  request.url = google_url(GoogleApi::kIamCredentials,
                           "v1/projects/-/serviceAccounts/" + service_account + ":generateAccessToken");
  request.headers = {{"Content-Type", "application/json"},
                     {"Accept", "application/json"},
                     {"Authorization", "Bearer " + federated.token->reveal()}};
  request.body = std::string("{\"scope\":[\"") + kCloudPlatformScope + "\"],\"lifetime\":\"" +
                 kImpersonatedLifetime + "\"}";
  RetryOutcome outcome = send(transport_, retry_, request, "generateAccessToken", service_account);
  wipe(request.headers[2].second);

  GoogleToken result;
  result.repository = federated.repository;
  if (outcome.last.error || outcome.attempts == 0) {
    result = failed(GoogleStep::kImpersonation, outcome);
    result.repository = federated.repository;
    return result;
  }
  std::string token = take_token(outcome.last.response.body, "accessToken");
  if (token.empty()) {
    result = missing_field(GoogleStep::kImpersonation, "accessToken", outcome.last.response.status);
    result.repository = federated.repository;
    return result;
  }
  result.token = std::make_shared<const SensitiveString>(std::move(token));
  return result;
}

}  // namespace sp::auth
