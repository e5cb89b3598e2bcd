#include "probe/azure_probe.h"

#include <rapidjson/document.h>

#include "auth/bearer.h"
#include "auth/azure_endpoints.h"
#include "auth/azure_response.h"
#include "probe/secret_probe.h"
#include "util/json.h"

namespace sp::probe {
namespace {

// The audience of the service account token that the Azure Workload
// Identity webhook projects into pods.
constexpr const char* kWorkloadIdentityAudience = "api://AzureADTokenExchange";
constexpr const char* kManagedIdentityApiVersion = "2023-01-31";

auth::RetryOutcome send(const AzureCall& call, http::Request& request, const std::string& operation,
                        const std::string& target) {
  return auth::send_with_bearer(call.transport, call.token, call.retry, request, operation, target,
                                auth::parse_keyvault_error);
}

std::string subject(const AzureFixContext& context) {
  return "Get Secret on " + context.secret.id() + " as " + context.client_id;
}

Classification ok(const AzureFixContext& context, const std::string& detail) {
  Classification result;
  result.verdict = Verdict::kOk;
  result.message = subject(context) + " " + detail;
  return result;
}

Classification bad_response(const AzureFixContext& context, const std::string& what) {
  Classification result;
  result.message = subject(context) + " returned " + what;
  result.fix = "Rerun the check.";
  return result;
}

Classification check_key(const AzureFixContext& context, const std::string& json_key, const char* data,
                         size_t length) {
  if (json_key.empty()) return ok(context, "returned the value");
  std::string value(data, length);
  KeyCheck check = check_json_key(value, json_key);
  if (check == KeyCheck::kPresent) return ok(context, "returned the value with key \"" + json_key + "\"");
  Classification result;
  result.verdict = Verdict::kKeyMissing;
  result.message = key_missing_message(subject(context), "value", check, json_key);
  result.fix = "Fix the key name \"" + json_key + "\" in the reference, or set a version of secret " +
               context.secret.name + " in vault " + context.secret.vault + " that has it as a top-level JSON key.";
  return result;
}

// Checks the other edges' keys of a shared read, then `json_key`.
Classification check_value(const AzureFixContext& context, const std::string& json_key, SharedKeys* shared,
                           const char* data, size_t length) {
  check_shared_keys(shared, std::string_view(data, length), [&](const std::string& key, std::string& copy) {
    return check_key(context, key, copy.data(), copy.size());
  });
  return check_key(context, json_key, data, length);
}

// Reads the SecretBundle in place, so the value exists only in `body` (and
// the key check's copy, which it wipes); the caller wipes `body`.
Classification read_secret_bundle(const AzureFixContext& context, const std::string& json_key, SharedKeys* shared,
                                  std::string& body) {
  rapidjson::Document document;
  document.ParseInsitu(body.data());
  if (document.HasParseError() || !document.IsObject()) return bad_response(context, "a response that is not a JSON object");
  auto attributes = document.FindMember("attributes");
  if (attributes != document.MemberEnd() && attributes->value.IsObject()) {
    auto enabled = attributes->value.FindMember("enabled");
    if (enabled != attributes->value.MemberEnd() && enabled->value.IsBool() && !enabled->value.GetBool()) {
      Classification result;
      result.verdict = Verdict::kDisabled;
      result.message = subject(context) + " returned a secret whose attributes say it is disabled";
      result.fix = "Enable the secret version, or point the reference at an enabled version.";
      return result;
    }
  }
  auto value = document.FindMember("value");
  if (value == document.MemberEnd()) return bad_response(context, "a secret bundle without a value");
  if (!value->value.IsString()) return bad_response(context, "a secret bundle whose value is not a string");
  return check_value(context, json_key, shared, value->value.GetString(), value->value.GetStringLength());
}

}  // namespace

Classification get_keyvault_secret(const AzureFixContext& context, const std::string& json_key,
                                   const AzureCall& call, std::optional<ProviderError>& error) {
  http::Request request;
  request.method = "GET";
  request.url = auth::keyvault_secret_url(context.secret);
  auth::RetryOutcome outcome = send(call, request, "Key Vault Get Secret", context.secret.id());
  if (outcome.attempts == 0) {
    Classification result;
    result.message = subject(context) + " was not attempted: the run deadline had passed";
    result.fix = "Rerun with a longer deadline.";
    return result;
  }
  http::Response& response = outcome.last.response;
  if (outcome.last.error) {
    error = outcome.last.error;
    return classify_keyvault_error(*outcome.last.error, auth::keyvault_inner_code(response.body),
                                   response.header("www-authenticate"), context, outcome.deadline_reached);
  }
  Classification result = read_secret_bundle(context, json_key, call.shared, response.body);
  wipe(response.body);
  return result;
}

std::string discover_vault_tenant(http::HttpTransport& transport, const auth::KeyVaultSecret& secret,
                                  const auth::RetryPolicy& retry) {
  // Azure SDKs send this first request without a token on purpose: the 401
  // names the vault's tenant. Nothing secret is sent or returned.
  http::Request request;
  request.method = "GET";
  request.url = auth::keyvault_secret_url(secret);
  request.headers = {{"Accept", "application/json"}};
  auth::RetryOutcome outcome = auth::run_with_retries(retry, "the Key Vault challenge", secret.vault, [&] {
    request.timeout = auth::attempt_timeout(retry);
    auth::Attempt attempt;
    attempt.response = transport.perform(request);
    if (!attempt.response.ok()) attempt.error = auth::parse_keyvault_error(attempt.response);
    return attempt;
  });
  std::string tenant = challenge_tenant(outcome.last.response.header("www-authenticate"));
  // A 200 would carry a value, so the body is wiped whatever arrived.
  wipe(outcome.last.response.body);
  return tenant;
}

FederatedCredentialCheck match_federated_credentials(const std::string& body, const std::string& identity,
                                                     const std::string& issuer, const std::string& subject) {
  FederatedCredentialCheck check;
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("value") ||
      !document["value"].IsArray()) {
    check.note = "the federated identity credentials of " + identity + " are not a JSON list";
    return check;
  }
  for (const auto& credential : document["value"].GetArray()) {
    if (!credential.IsObject()) continue;
    auto properties = credential.FindMember("properties");
    const rapidjson::Value& fields = properties != credential.MemberEnd() ? properties->value : credential;
    if (!fields.IsObject()) continue;
    // Entra ID compares issuer and subject exactly (subjects case-sensitively).
    if (json::string_member(fields, "issuer") != issuer || json::string_member(fields, "subject") != subject)
      continue;
    auto audiences = fields.FindMember("audiences");
    if (audiences == fields.MemberEnd() || !audiences->value.IsArray()) continue;
    for (const auto& audience : audiences->value.GetArray())
      if (audience.IsString() && audience.GetString() == std::string(kWorkloadIdentityAudience)) {
        check.outcome = FederatedCredentialCheck::Outcome::kAdmitted;
        return check;
      }
  }
  check.outcome = FederatedCredentialCheck::Outcome::kNotAdmitted;
  check.note = "no federated identity credential of " + identity + " admits issuer " + issuer + " and subject " +
               subject + " with audience " + kWorkloadIdentityAudience +
               ", so AKS cannot give the pod this identity";
  const std::string name = identity.substr(identity.rfind('/') + 1);
  check.fix = "az identity federated-credential create --name " + name + "-aks --identity-name " + name +
              " --resource-group <GROUP> --issuer " + issuer + " --subject " + subject + " --audiences " +
              kWorkloadIdentityAudience;
  return check;
}

constexpr int kMaxCredentialPages = 20;

FederatedCredentialCheck check_federated_credentials(const auth::AzureCloud& cloud,
                                                     const std::string& identity_resource_id,
                                                     const std::string& issuer, const std::string& subject,
                                                     const AzureCall& call) {
  // Resource Manager ids start with '/', and the base URL ends with one.
  std::string path = identity_resource_id;
  if (path.starts_with('/')) path.erase(0, 1);
  http::Request request;
  request.method = "GET";
  request.url = auth::management_base_url(cloud) + path + "/federatedIdentityCredentials?api-version=" +
                kManagedIdentityApiVersion;
  // Resource Manager pages long lists through nextLink. Every page is read
  // before a credential is called missing; a nextLink to another host is not
  // followed, because the request carries the identity's token.
  const std::string base = auth::management_base_url(cloud);
  FederatedCredentialCheck check;
  for (int page = 0; page < kMaxCredentialPages; ++page) {
    auth::RetryOutcome outcome =
        send(call, request, "listing federated identity credentials", identity_resource_id);
    if (outcome.attempts == 0 || outcome.last.error) {
      FederatedCredentialCheck failed;
      std::string cause = "the run deadline had passed";
      if (outcome.last.error) {
        const ProviderError& error = *outcome.last.error;
        cause = error.code.empty() ? "HTTP " + std::to_string(error.http_status) : error.code;
      }
      failed.note = "the federated identity credentials of " + identity_resource_id +
                    " could not be read (" + cause + ")";
      return failed;
    }
    check = match_federated_credentials(outcome.last.response.body, identity_resource_id, issuer,
                                        subject);
    if (check.outcome != FederatedCredentialCheck::Outcome::kNotAdmitted) return check;
    rapidjson::Document list;
    list.Parse(outcome.last.response.body.c_str());
    std::string next = list.IsObject() ? json::string_member(list, "nextLink") : "";
    if (next.empty()) return check;
    if (!next.starts_with(base)) {
      FederatedCredentialCheck unchecked;
      unchecked.note = "the federated identity credentials of " + identity_resource_id +
                       " continue on another host, which was not read";
      return unchecked;
    }
    request.url = next;
  }
  FederatedCredentialCheck unchecked;
  unchecked.note = "the federated identity credentials of " + identity_resource_id + " fill more than " +
                   std::to_string(kMaxCredentialPages) + " pages, which were not all read";
  return unchecked;
}

}  // namespace sp::probe
