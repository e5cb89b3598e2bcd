#include "auth/aws_sts.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>

#include "auth/aws_response.h"
#include "auth/endpoints.h"
#include "auth/sigv4.h"
#include "util/log.h"
#include "util/redaction.h"
#include "util/url.h"
#include "util/xml.h"

namespace sp::auth {
namespace {

constexpr const char* kFormContentType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr size_t kMaxSessionNameLength = 64;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string chain_key(const std::vector<Hop>& hops) {
  std::string key;
  for (const auto& hop : hops)
    key += (hop.web_identity ? "W|" : "A|") + hop.role_arn + "|" + hop.session_policy + "\n";
  return key;
}

void add_param(std::string& body, const std::string& name, const std::string& value) {
  body += "&" + name + "=" + url::percent_encode(value);
}

SessionFailure failure_at(const Hop& hop, const std::string& caller) {
  SessionFailure failure;
  failure.hop = hop;
  failure.caller_role_arn = caller;
  return failure;
}

}  // namespace

std::string probe_session_policy() {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)"
         R"("secretsmanager:GetSecretValue","secretsmanager:DescribeSecret",)"
         R"("secretsmanager:ListSecrets","secretsmanager:BatchGetSecretValue",)"
         R"("ssm:GetParameter","ssm:GetParameters","kms:Decrypt"],"Resource":"*"}]})";
}

std::string chain_session_policy() {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[)"
         R"("sts:AssumeRole","sts:TagSession","iam:GetRole"],"Resource":"*"}]})";
}

std::vector<Hop> plan_hops(const RuntimeIdentity& identity, const std::string& preflight_role,
                           bool narrow_sessions) {
  std::vector<std::string> roles;
  if (!preflight_role.empty()) roles.push_back(preflight_role);
  for (const auto& role : identity.assumed_before)
    if (roles.empty() || roles.back() != role) roles.push_back(role);
  if (roles.empty() || roles.back() != identity.principal) roles.push_back(identity.principal);

  std::vector<Hop> hops;
  for (size_t i = 0; i < roles.size(); ++i) {
    Hop hop;
    hop.role_arn = roles[i];
    hop.web_identity = i == 0;
    bool last = i + 1 == roles.size();
    if (narrow_sessions) hop.session_policy = last ? probe_session_policy() : chain_session_policy();
    if (last && !identity.session_policy.empty()) hop.session_policy = identity.session_policy;
    hops.push_back(std::move(hop));
  }
  return hops;
}

std::string role_session_name(const std::string& run_id) {
  std::string name = "secret-preflight-" + run_id;
  for (char& c : name) {
    bool allowed = std::isalnum(static_cast<unsigned char>(c)) ||
                   std::string_view("_+=,.@-").find(c) != std::string_view::npos;
    if (!allowed) c = '-';
  }
  if (name.size() > kMaxSessionNameLength) name.resize(kMaxSessionNameLength);
  return name;
}

std::string default_run_id() {
  std::string run_id = env("GITHUB_RUN_ID");
  if (!run_id.empty()) {
    std::string attempt = env("GITHUB_RUN_ATTEMPT");
    return attempt.empty() ? run_id : run_id + "-" + attempt;
  }
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  return std::to_string(seconds) + "-" + std::to_string(getpid());
}

std::optional<AwsCredentials> parse_credentials(const std::string& xml_body) {
  auto root = xml::parse(xml_body);
  if (!root || root->children.empty()) return std::nullopt;
  // <OpResponse><OpResult><Credentials>: the result element's name depends on the operation.
  const xml::Element* credentials = nullptr;
  for (const auto& child : root->children)
    if ((credentials = child.child("Credentials")) != nullptr) break;
  if (credentials == nullptr) return std::nullopt;
  AwsCredentials result;
  result.access_key_id = credentials->text_at("AccessKeyId");
  std::string secret = credentials->text_at("SecretAccessKey");
  std::string token = credentials->text_at("SessionToken");
  if (result.access_key_id.empty() || secret.empty()) return std::nullopt;
  redaction::register_value(secret);
  redaction::register_value(token);
  result.secret_access_key = SensitiveString(std::move(secret));
  result.session_token = SensitiveString(std::move(token));
  result.expiration = credentials->text_at("Expiration");
  return result;
}

// Turns the last STS attempt into session credentials, or into `failure`
// carrying the provider's error. Wipes the response body either way.
std::variant<std::shared_ptr<const AwsCredentials>, SessionFailure> session_from(
    RetryOutcome& outcome, SessionFailure failure, const std::string& entered) {
  failure.deadline_reached = outcome.deadline_reached;
  if (outcome.attempts == 0) return failure;
  if (outcome.last.error) {
    wipe(outcome.last.response.body);
    failure.error = outcome.last.error;
    return failure;
  }
  auto credentials = parse_credentials(outcome.last.response.body);
  wipe(outcome.last.response.body);
  if (!credentials) {
    failure.error = ProviderError{"", "the STS response has no Credentials element", "",
                                  outcome.last.response.status};
    return failure;
  }
  log::debug("auth", entered);
  return std::make_shared<const AwsCredentials>(std::move(*credentials));
}

StsClient::StsClient(http::HttpTransport& transport, CiTokenSource& tokens, StsOptions options)
    : transport_(transport), tokens_(tokens), options_(std::move(options)) {}

SessionResult StsClient::session_for(const std::vector<Hop>& hops) {
  const std::string key = chain_key(hops);
  std::promise<SessionResult> promise;
  {
    std::unique_lock lock(mutex_);
    auto found = sessions_.find(key);
    if (found != sessions_.end()) {
      std::shared_future<SessionResult> pending = found->second;
      lock.unlock();
      return pending.get();
    }
    sessions_.emplace(key, promise.get_future().share());
  }
  SessionResult result = enter(hops);
  promise.set_value(result);
  return result;
}

SessionResult StsClient::enter(const std::vector<Hop>& hops) {
  SessionResult result;
  if (hops.empty()) {
    SessionFailure failure;
    failure.token_error = "no role to assume (internal error: empty role chain)";
    result.failure = failure;
    return result;
  }
  if (hops.size() == 1) {
    auto outcome = assume_with_web_identity(hops[0]);
    if (auto* failure = std::get_if<SessionFailure>(&outcome)) {
      result.failure = std::move(*failure);
    } else {
      result.credentials = std::get<0>(outcome);
      result.first_hop = result.credentials;
    }
    return result;
  }
  std::vector<Hop> prefix(hops.begin(), hops.end() - 1);
  SessionResult previous = session_for(prefix);
  if (previous.failure) return previous;
  auto outcome = assume_role(hops.back(), *previous.credentials, prefix.back().role_arn);
  result.first_hop = previous.first_hop;
  if (auto* failure = std::get_if<SessionFailure>(&outcome)) {
    failure->hop_index = hops.size() - 1;
    result.failure = std::move(*failure);
  } else {
    result.credentials = std::get<0>(outcome);
  }
  return result;
}

TokenResult StsClient::recent_token() {
  std::lock_guard lock(token_mutex_);
  if (token_ && std::chrono::steady_clock::now() - token_fetched_ < options_.token_reuse) return *token_;
  TokenResult token = tokens_.fetch();
  // Failures are not kept, so the next exchange tries again.
  if (token.error.empty()) {
    token_ = token;
    token_fetched_ = std::chrono::steady_clock::now();
  }
  return token;
}

TokenResult StsClient::fresh_token() {
  TokenResult token = tokens_.fetch();
  std::lock_guard lock(token_mutex_);
  if (token.error.empty()) {
    token_ = token;
    token_fetched_ = std::chrono::steady_clock::now();
  }
  return token;
}

std::variant<std::shared_ptr<const AwsCredentials>, SessionFailure>
StsClient::assume_with_web_identity(const Hop& hop) {
  SessionFailure failure = failure_at(hop, "");
  TokenResult token = recent_token();
  if (!token.error.empty()) {
    failure.token_error = token.error;
    failure.token_error_transient = token.transient;
    return failure;
  }
  failure.claims = read_claims(token.token.reveal());

  http::Request request;
  request.url = endpoint_url(Service::kSts, options_.region) + "/";
  request.headers = {{"Content-Type", kFormContentType}, {"Accept", "application/xml"}};
  int attempts = 0;
  auto send = [&] {
    request.body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15";
    add_param(request.body, "RoleArn", hop.role_arn);
    add_param(request.body, "RoleSessionName", role_session_name(options_.run_id));
    add_param(request.body, "WebIdentityToken", token.token.reveal());
    add_param(request.body, "DurationSeconds", std::to_string(options_.duration_seconds));
    if (!hop.session_policy.empty()) add_param(request.body, "Policy", hop.session_policy);
    request.timeout = attempt_timeout(options_.retry);
    http::Response response = transport_.perform(request);
    wipe(request.body);
    return response;
  };
  auto refresh_token = [&] {
    TokenResult fresh = fresh_token();
    if (fresh.error.empty()) token = std::move(fresh);
  };
  RetryOutcome outcome = run_with_retries(options_.retry, "sts:AssumeRoleWithWebIdentity", hop.role_arn, [&] {
    // GitHub tokens expire within minutes, so every retry sends a fresh one.
    if (attempts++ > 0) refresh_token();
    Attempt attempt;
    attempt.response = send();
    if (!attempt.response.ok()) attempt.error = parse_aws_error(attempt.response);
    if (attempt.error && attempt.error->code == "ExpiredTokenException") {
      // An expired token needs a new token, not a backoff; one more try.
      refresh_token();
      attempt.response = send();
      attempt.error.reset();
      if (!attempt.response.ok()) attempt.error = parse_aws_error(attempt.response);
    }
    return attempt;
  });
  return session_from(outcome, std::move(failure),
                      "entered " + hop.role_arn + " with AssumeRoleWithWebIdentity");
}

std::variant<std::shared_ptr<const AwsCredentials>, SessionFailure> StsClient::assume_role(
    const Hop& hop, const AwsCredentials& caller, const std::string& caller_role_arn) {
  SessionFailure failure = failure_at(hop, caller_role_arn);
  RetryOutcome outcome = run_with_retries(options_.retry, "sts:AssumeRole", hop.role_arn, [&] {
    http::Request request;
    request.url = endpoint_url(Service::kSts, options_.region) + "/";
    request.headers = {{"Content-Type", kFormContentType}};
    request.body = "Action=AssumeRole&Version=2011-06-15";
    add_param(request.body, "RoleArn", hop.role_arn);
    add_param(request.body, "RoleSessionName", role_session_name(options_.run_id));
    add_param(request.body, "DurationSeconds", std::to_string(options_.duration_seconds));
    if (!hop.session_policy.empty()) add_param(request.body, "Policy", hop.session_policy);
    request.timeout = attempt_timeout(options_.retry);
    sign(request, caller, signing_region(Service::kSts, options_.region), "sts",
         std::chrono::system_clock::now());
    Attempt attempt;
    attempt.response = transport_.perform(request);
    if (!attempt.response.ok()) attempt.error = parse_aws_error(attempt.response);
    return attempt;
  });
  return session_from(outcome, std::move(failure),
                      "entered " + hop.role_arn + " with AssumeRole from " + caller_role_arn);
}

}  // namespace sp::auth
