#include "auth/azure_tokens.h"

#include <rapidjson/document.h>

#include "auth/azure_response.h"
#include "util/json.h"
#include "util/redaction.h"
#include "util/url.h"

namespace sp::auth {
namespace {

constexpr const char* kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

AzureToken failed(const RetryOutcome& outcome) {
  AzureTokenFailure failure;
  failure.step = AzureStep::kTokenRequest;
  failure.error = outcome.last.error;
  failure.deadline_reached = outcome.deadline_reached;
  AzureToken result;
  result.failure = failure;
  return result;
}

}  // namespace

std::string client_assertion_form(const std::string& client_id, const std::string& scope,
                                  const std::string& assertion) {
  return "client_id=" + url::percent_encode(client_id) + "&scope=" + url::percent_encode(scope) +
         "&grant_type=client_credentials&client_assertion_type=" + url::percent_encode(kJwtBearer) +
         "&client_assertion=" + url::percent_encode(assertion);
}

AzureToken AzureTokenBroker::token(const std::string& tenant, const std::string& client_id,
                                   AzureResource resource) {
  const std::string scope = resource == AzureResource::kKeyVault ? keyvault_scope(cloud_) : management_scope(cloud_);
  const std::string key = tenant + "\n" + client_id + "\n" + scope;
  std::promise<AzureToken> promise;
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
  AzureToken token = request_token(tenant, client_id, scope);
  promise.set_value(token);
  return token;
}

AzureToken AzureTokenBroker::request_token(const std::string& tenant, const std::string& client_id,
                                           const std::string& scope) {
  CiTokenSource source(transport_, token_options_, retry_);
  TokenResult ci = source.fetch();
  AzureToken result;
  if (!ci.error.empty()) {
    AzureTokenFailure failure;
    failure.step = AzureStep::kCiToken;
    failure.token_error = ci.error;
    failure.token_error_transient = ci.transient;
    result.failure = failure;
    return result;
  }
  result.claims = read_claims(ci.token.reveal());

  http::Request request;
  request.method = "POST";
  request.url = azure_token_url(cloud_, tenant);
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = client_assertion_form(client_id, scope, ci.token.reveal());
  RetryOutcome outcome = run_with_retries(retry_, "the Entra ID token request", client_id, [&] {
    request.timeout = attempt_timeout(retry_);
    Attempt attempt;
    attempt.response = transport_.perform(request);
    if (!attempt.response.ok()) attempt.error = parse_entra_error(attempt.response);
    return attempt;
  });
  wipe(request.body);
  if (outcome.last.error || outcome.attempts == 0) {
    AzureToken failure = failed(outcome);
    failure.claims = result.claims;
    return failure;
  }

  // Parsed in place so that the token's only copies are the body and `token`.
  std::string& body = outcome.last.response.body;
  std::string token;
  {
    rapidjson::Document document;
    document.ParseInsitu(body.data());
    if (!document.HasParseError() && document.IsObject()) token = json::string_member(document, "access_token");
  }
  wipe(body);
  if (token.empty()) {
    ProviderError error;
    error.http_status = outcome.last.response.status;
    error.message = "the token response has no \"access_token\" field";
    AzureTokenFailure failure;
    failure.step = AzureStep::kTokenRequest;
    failure.error = error;
    result.failure = failure;
    return result;
  }
  redaction::register_value(token);
  result.token = std::make_shared<const SensitiveString>(std::move(token));
  return result;
}

}  // namespace sp::auth
