#include "auth/ci_token.h"

#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "auth/aws_response.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/redaction.h"
#include "util/url.h"

namespace sp::auth {
namespace {

std::string env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::string() : std::string(value);
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

TokenResult accept(std::string token) {
  TokenResult result;
  token = trim(std::move(token));
  redaction::register_value(token);
  result.token = SensitiveString(std::move(token));
  return result;
}

TokenResult failure(std::string message, bool transient = false) {
  TokenResult result;
  result.error = std::move(message);
  result.transient = transient;
  return result;
}

TokenResult read_token_file(const std::string& path, const std::string& origin) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return failure("cannot read the CI token file \"" + path + "\" (" + origin + ")");
  std::ostringstream content;
  content << file.rdbuf();
  std::string token = content.str();
  TokenResult result = accept(std::move(token));
  if (result.token.empty()) return failure("the CI token file \"" + path + "\" is empty");
  return result;
}

}  // namespace

TokenResult CiTokenSource::fetch() {
  if (!options_.token_file.empty()) return read_token_file(options_.token_file, "--token-file");
  if (!options_.token_env.empty()) {
    const char* value = std::getenv(options_.token_env.c_str());
    if (value == nullptr || *value == '\0')
      return failure("the environment variable " + options_.token_env +
                     " named by --token-env is not set or empty");
    return accept(value);
  }
  std::string url = env("ACTIONS_ID_TOKEN_REQUEST_URL");
  std::string request_token = env("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  if (!url.empty() && !request_token.empty()) return fetch_from_github(url, request_token);
  std::string web_identity_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
  if (!web_identity_file.empty()) return read_token_file(web_identity_file, "AWS_WEB_IDENTITY_TOKEN_FILE");
  return failure(
      "no CI OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not "
      "set (missing id-token: write permission, or running from a fork); outside GitHub Actions "
      "pass --token-file or --token-env");
}

TokenResult CiTokenSource::fetch_from_github(const std::string& base_url,
                                             const std::string& request_token) {
  redaction::register_value(request_token);
  // The URL already carries ?api-version=...; the audience is appended, as
  // @actions/core getIDToken() does with encodeURIComponent.
  std::string url = base_url + (base_url.find('?') == std::string::npos ? "?" : "&") +
                    "audience=" + url::percent_encode(options_.audience);
  http::Request request;
  request.method = "GET";
  request.url = url;
  request.headers = {{"Authorization", "Bearer " + request_token}, {"Accept", "application/json"}};

  RetryOutcome outcome = run_with_retries(retry_, "the GitHub OIDC token request", "audience " +
                                          options_.audience, [&] {
    Attempt attempt;
    request.timeout = attempt_timeout(retry_);
    attempt.response = transport_.perform(request);
    if (!attempt.response.ok()) {
      ProviderError error;
      error.http_status = attempt.response.status;
      error.message = attempt.response.transport_error;
      attempt.error = error;
    }
    return attempt;
  });
  wipe(request.headers[0].second);
  if (outcome.deadline_reached && !outcome.last.response.ok())
    return failure("the run deadline passed before GitHub issued an OIDC token", true);

  http::Response& response = outcome.last.response;
  if (response.status == 0)
    return failure("GitHub OIDC token request failed: " + response.transport_error, true);
  if (!response.ok())
    return failure("GitHub OIDC token request failed with HTTP " + std::to_string(response.status) +
                       " (check the job's id-token: write permission)",
                   response.status >= 500 || response.status == 429);
  // Parsed in place so that the token's only copies are the body and `token`.
  rapidjson::Document document;
  document.ParseInsitu(response.body.data());
  std::string token = document.HasParseError() ? "" : json::string_member(document, "value");
  wipe(response.body);
  // A 200 without a token is a broken response, not a missing permission,
  // so it is transient: the edges become inconclusive, never identity-unavailable.
  if (token.empty()) return failure("GitHub OIDC token response is not JSON with a \"value\" field", true);
  return accept(std::move(token));
}

std::optional<TokenClaims> read_claims(const std::string& jwt) {
  auto first = jwt.find('.');
  auto second = first == std::string::npos ? std::string::npos : jwt.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto payload = base64::decode(std::string_view(jwt).substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  rapidjson::Document document;
  document.Parse(payload->data(), payload->size());
  if (document.HasParseError() || !document.IsObject()) return std::nullopt;
  TokenClaims claims;
  claims.sub = json::string_member(document, "sub");
  claims.iss = json::string_member(document, "iss");
  claims.aud = json::string_member(document, "aud");
  if (claims.aud.empty() && document.HasMember("aud") && document["aud"].IsArray() &&
      !document["aud"].Empty() && document["aud"][0].IsString())
    claims.aud = document["aud"][0].GetString();
  return claims;
}

}  // namespace sp::auth
