#include "probe/gcp_probe.h"

#include <rapidjson/document.h>

#include <array>
#include <cstdint>

#include "auth/bearer.h"
#include "auth/gcp_endpoints.h"
#include "auth/gcp_response.h"
#include "probe/secret_probe.h"
#include "util/base64.h"
#include "util/json.h"

namespace sp::probe {
namespace {

constexpr const char* kAccessPermission = "secretmanager.versions.access";
constexpr const char* kWorkloadIdentityUser = "roles/iam.workloadIdentityUser";

auth::RetryOutcome send(const GoogleCall& call, http::Request& request, const std::string& operation,
                        const std::string& target) {
  return auth::send_with_bearer(call.transport, call.token, call.retry, request, operation, target,
                                auth::parse_google_error);
}

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), which Secret
// Manager sends as payload.dataCrc32c.
uint32_t crc32c(const char* data, size_t length) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < length; ++i) {
    crc ^= static_cast<unsigned char>(data[i]);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

std::string subject(const GoogleFixContext& context) {
  return std::string(kAccessPermission) + " on " + context.secret.version_name() + " as " + context.principal;
}

Classification ok(const GoogleFixContext& context, const std::string& detail) {
  Classification result;
  result.verdict = Verdict::kOk;
  result.message = subject(context) + " " + detail;
  return result;
}

Classification bad_response(const GoogleFixContext& context, const std::string& what) {
  Classification result;
  result.message = subject(context) + " returned " + what;
  result.fix = "Rerun the check.";
  return result;
}

// Checks `json_key` in the decoded payload data[0, length). The caller wipes
// the buffer; the key check wipes its own copy.
Classification check_key(const GoogleFixContext& context, const std::string& json_key, const char* data,
                         size_t length) {
  if (json_key.empty()) return ok(context, "returned the payload");
  std::string value(data, length);
  KeyCheck check = check_json_key(value, json_key);
  if (check == KeyCheck::kPresent) return ok(context, "returned the payload with key \"" + json_key + "\"");
  Classification result;
  result.verdict = Verdict::kKeyMissing;
  result.message = key_missing_message(subject(context), "payload", check, json_key);
  result.fix = "Fix the key name \"" + json_key + "\" in the reference, or add a version of secret " +
               context.secret.secret + " that has it as a top-level JSON key.";
  return result;
}

// Checks the other edges' keys of a shared read, then `json_key`.
Classification check_payload(const GoogleFixContext& context, const std::string& json_key, SharedKeys* shared,
                             const char* data, size_t length) {
  check_shared_keys(shared, std::string_view(data, length), [&](const std::string& key, std::string& copy) {
    return check_key(context, key, copy.data(), copy.size());
  });
  return check_key(context, json_key, data, length);
}

Classification read_access_response(const GoogleFixContext& context, const std::string& json_key,
                                    SharedKeys* shared, std::string& body) {
  // Parsed in place, and the payload decoded in place inside the body, so
  // the value exists only in this buffer (and the key check's copy); both
  // are wiped before returning.
  rapidjson::Document document;
  document.ParseInsitu(body.data());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("payload") ||
      !document["payload"].IsObject())
    return bad_response(context, "a response without a payload object");
  rapidjson::Value& payload = document["payload"];
  auto data = payload.FindMember("data");
  // Google omits `data` for an empty payload. A named key cannot be in it, so
  // the empty value still goes through the key check.
  if (data == payload.MemberEnd()) return check_payload(context, json_key, shared, "", 0);
  if (!data->value.IsString()) return bad_response(context, "a payload whose data is not a string");
  char* encoded = const_cast<char*>(data->value.GetString());
  std::optional<size_t> length = base64::decode_in_place(encoded, data->value.GetStringLength());
  if (!length) return bad_response(context, "payload data that is not base64");

  const std::string expected = json::string_member(payload, "dataCrc32c");
  if (!expected.empty() && expected != std::to_string(crc32c(encoded, *length)))
    return bad_response(context, "payload data whose CRC32C does not match dataCrc32c (corrupted in transit)");
  return check_payload(context, json_key, shared, encoded, *length);
}

}  // namespace

std::optional<GoogleSecretVersion> google_secret_version(const SecretTarget& secret,
                                                         const std::string& default_project) {
  GoogleSecretVersion version;
  std::string id = secret.id;
  if (id.starts_with("projects/")) {
    // projects/<P>/secrets/<S>[/versions/<V>]
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t slash = id.find('/', start);
      parts.push_back(id.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    if (parts.size() < 4 || parts[2] != "secrets") return std::nullopt;
    version.project = parts[1];
    version.secret = parts[3];
    if (parts.size() >= 6 && parts[4] == "versions") version.version = parts[5];
    else if (!secret.version_id.empty()) version.version = secret.version_id;
    return version;
  }
  version.secret = id;
  version.project = secret.project.empty() ? default_project : secret.project;
  if (!secret.version_id.empty()) version.version = secret.version_id;
  if (version.project.empty()) return std::nullopt;
  return version;
}

Classification access_secret_version(const GoogleFixContext& context, const std::string& json_key,
                                     const GoogleCall& call, std::optional<ProviderError>& error) {
  http::Request request;
  request.method = "GET";
  request.url = auth::google_url(auth::GoogleApi::kSecretManager, "v1/" + context.secret.version_name() + ":access");
  auth::RetryOutcome outcome = send(call, request, kAccessPermission, context.secret.version_name());
  if (outcome.attempts == 0) {
    Classification result;
    result.message = subject(context) + " was not attempted: the run deadline had passed";
    result.fix = "Rerun with a longer deadline.";
    return result;
  }
  if (outcome.last.error) {
    error = outcome.last.error;
    return classify_secret_access_error(*outcome.last.error, auth::google_error_reason(outcome.last.response.body),
                                        context, outcome.deadline_reached);
  }
  std::string& body = outcome.last.response.body;
  Classification result = read_access_response(context, json_key, call.shared, body);
  wipe(body);
  return result;
}

Classification simulate_secret_access(const GoogleFixContext& context, const GoogleCall& call,
                                      std::optional<ProviderError>& error) {
  // IAM roles cannot be granted on a single version, so the secret is the
  // resource whose policies decide.
  const std::string resource = "//secretmanager.googleapis.com/" + context.secret.secret_name();
  http::Request request;
  request.method = "POST";
  request.url = auth::google_url(auth::GoogleApi::kPolicyTroubleshooter, "v1/iam:troubleshoot");
  request.headers = {{"Content-Type", "application/json"}};
  request.body = "{\"accessTuple\":{\"principal\":" + json::quote(context.principal) +
                 ",\"fullResourceName\":" + json::quote(resource) + ",\"permission\":\"" + kAccessPermission +
                 "\"}}";
  auth::RetryOutcome outcome = send(call, request, "Policy Troubleshooter", resource);

  const std::string what = "simulated: Policy Troubleshooter for " + std::string(kAccessPermission) + " on " +
                           context.secret.secret_name() + " as " + context.principal;
  Classification result;
  result.fix = "Check the binding by hand: " + iam_member(context.principal) +
               " needs roles/secretmanager.secretAccessor on the secret or its project.";
  if (outcome.attempts == 0) {
    result.message = what + " was not asked: the run deadline had passed";
    return result;
  }
  if (outcome.last.error) {
    error = outcome.last.error;
    const ProviderError& failure = *outcome.last.error;
    std::string cause = failure.code.empty() ? "HTTP " + std::to_string(failure.http_status) : failure.code;
    if (!failure.message.empty()) cause += ": " + failure.message;
    result.message = what + " was unavailable (" + cause + ")";
    // NOTE: Policy Troubleshooter v1 documents only Google account and
    // service account emails as principals, so Google may reject a
    // principal:// identifier with INVALID_ARGUMENT. The request is still
    // sent, in case the service (or an emulator) accepts it.
    if (failure.code == "INVALID_ARGUMENT")
      result.message += "; it may not accept principal:// identities";
    return result;
  }
  rapidjson::Document document;
  const std::string& body = outcome.last.response.body;
  document.Parse(body.data(), body.size());
  const std::string access = document.HasParseError() ? "" : json::string_member(document, "access");
  // A simulation reads no secret, so GRANTED cannot be ok: the secret may
  // still be missing, disabled or lack the key. It is inconclusive, and the
  // message says what the policy grants.
  if (access == "GRANTED") {
    result.message = what + ": the policy grants access; the secret's existence was not checked";
    result.fix = "Check that secret " + context.secret.secret_name() + " and version " + context.secret.version +
                 " exist; the CI cannot read the secret as this principal.";
  } else if (access == "NOT_GRANTED") {
    result.verdict = Verdict::kDenied;
    result.layer = Layer::kIamBinding;
    result.message = what + ": no IAM binding grants access";
    result.fix = "Grant roles/secretmanager.secretAccessor to " + iam_member(context.principal) +
                 ": gcloud secrets add-iam-policy-binding " + context.secret.secret + " --project=" +
                 context.secret.project + " --role=roles/secretmanager.secretAccessor --member=\"" +
                 iam_member(context.principal) + "\"";
  } else if (access.empty()) {
    result.message = what + " returned a response without an access state";
  } else {
    result.message = what + " could not decide (" + access + ")";
  }
  return result;
}

std::string gke_member(const std::string& project, const std::string& kubernetes_namespace,
                       const std::string& service_account) {
  return "serviceAccount:" + project + ".svc.id.goog[" + kubernetes_namespace + "/" + service_account + "]";
}

std::string service_account_project(const std::string& email) {
  constexpr std::string_view kSuffix = ".iam.gserviceaccount.com";
  auto at = email.find('@');
  if (at == std::string::npos || !email.ends_with(kSuffix)) return "";
  return email.substr(at + 1, email.size() - at - 1 - kSuffix.size());
}

GkeTrustCheck check_gke_trust(const std::string& service_account, const std::string& member,
                              const GoogleCall& call) {
  http::Request request;
  request.method = "POST";
  request.url = auth::google_url(auth::GoogleApi::kIam,
                                 "v1/projects/-/serviceAccounts/" + service_account + ":getIamPolicy");
  request.headers = {{"Content-Type", "application/json"}};
  // Version 3 returns conditional bindings with their conditions.
  request.body = "{\"options\":{\"requestedPolicyVersion\":3}}";
  auth::RetryOutcome outcome = send(call, request, "getIamPolicy", service_account);

  GkeTrustCheck check;
  if (outcome.attempts == 0 || outcome.last.error) {
    std::string cause = "the run deadline had passed";
    if (outcome.last.error) {
      const ProviderError& error = *outcome.last.error;
      cause = error.code.empty() ? "HTTP " + std::to_string(error.http_status) : error.code;
    }
    check.note = "the IAM policy of " + service_account + " could not be read (" + cause + ")";
    return check;
  }
  rapidjson::Document document;
  const std::string& body = outcome.last.response.body;
  document.Parse(body.data(), body.size());
  if (document.HasParseError() || !document.IsObject()) {
    check.note = "the IAM policy of " + service_account + " is not a JSON object";
    return check;
  }
  bool conditional = false;
  auto bindings = document.FindMember("bindings");
  if (bindings != document.MemberEnd() && bindings->value.IsArray()) {
    for (const auto& binding : bindings->value.GetArray()) {
      if (json::string_member(binding, "role") != kWorkloadIdentityUser) continue;
      auto members = binding.FindMember("members");
      if (members == binding.MemberEnd() || !members->value.IsArray()) continue;
      for (const auto& candidate : members->value.GetArray()) {
        if (!candidate.IsString() || candidate.GetString() != member) continue;
        if (binding.HasMember("condition")) conditional = true;
        else check.outcome = GkeTrustCheck::Outcome::kAdmitted;
      }
    }
  }
  if (check.outcome == GkeTrustCheck::Outcome::kAdmitted) return check;
  if (conditional) {
    // NOTE: conditions are not evaluated, so a conditional grant is left unchecked.
    check.note = member + " holds " + kWorkloadIdentityUser + " on " + service_account +
                 " only under a condition, which secret-preflight does not evaluate";
    return check;
  }
  check.outcome = GkeTrustCheck::Outcome::kNotAdmitted;
  check.note = member + " does not hold " + kWorkloadIdentityUser + " on " + service_account +
               ", so GKE cannot give the pod this service account";
  check.fix = "gcloud iam service-accounts add-iam-policy-binding " + service_account + " --role=" +
              kWorkloadIdentityUser + " --member=\"" + member + "\"";
  return check;
}

}  // namespace sp::probe
