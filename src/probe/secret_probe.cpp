#include "probe/secret_probe.h"

#include <rapidjson/document.h>

#include <array>
#include <functional>
#include <utility>

#include "auth/endpoints.h"
#include "probe/find_probe.h"
#include "probe/json_call.h"
#include "util/json.h"
#include "util/sensitive.h"

namespace sp::probe {
namespace {

using auth::Service;

std::string subject(const PermissionEdge& edge, const ProbeCall& call) {
  return edge.operation + " on " + (edge.secret.service == "ssm" ? "parameter " : "secret ") +
         edge.secret.id + " as " + role_name(call.role_arn);
}

Classification ok(const PermissionEdge& edge, const ProbeCall& call, const std::string& detail) {
  Classification result;
  result.verdict = Verdict::kOk;
  result.message = subject(edge, call) + " " + detail;
  return result;
}

// Applies the check of JSON key `key` to `value` (wiped afterwards) and words the result.
Classification check_key(const PermissionEdge& edge, const ProbeCall& call, const std::string& key,
                         std::string& value) {
  if (key.empty()) {
    wipe(value);
    return ok(edge, call, "returned the value");
  }
  KeyCheck check = check_json_key(value, key);
  if (check == KeyCheck::kPresent) return ok(edge, call, "returned the value with key \"" + key + "\"");
  Classification result;
  result.verdict = Verdict::kKeyMissing;
  std::string noun = edge.secret.service == "ssm" ? "parameter" : "secret";
  result.message = key_missing_message(subject(edge, call), "value", check, key);
  result.fix = "Fix the key name \"" + key + "\" in the reference, or add it to the " + noun + " " +
               edge.secret.id + " as a top-level JSON key.";
  return result;
}

// Checks the other edges' keys of a shared read, then the edge's own key.
Classification check_value(const PermissionEdge& edge, const ProbeCall& call, std::string& value) {
  check_shared_keys(call.shared, value, [&](const std::string& key, std::string& copy) {
    return check_key(edge, call, key, copy);
  });
  return check_key(edge, call, edge.secret.json_key, value);
}

Classification failed(const PermissionEdge& edge, const ProbeCall& call,
                      const auth::RetryOutcome& outcome, std::optional<ProviderError>& error) {
  FixContext context{edge.operation, call.role_arn, edge.secret};
  if (!outcome.last.error) {
    Classification result;
    result.message = subject(edge, call) + " was not attempted: the run deadline had passed";
    result.fix = "Rerun with a longer deadline.";
    return result;
  }
  error = outcome.last.error;
  return classify_probe_error(*outcome.last.error, context, outcome.deadline_reached);
}

// Words the check of JSON key `key` on a binary secret, which has no keys.
Classification binary_key(const PermissionEdge& edge, const ProbeCall& call, const std::string& key) {
  if (key.empty()) return ok(edge, call, "returned the value");
  Classification result;
  result.verdict = Verdict::kKeyMissing;
  result.message = subject(edge, call) + " returned a binary secret (SecretBinary), which has no JSON key \"" +
                   key + "\"";
  result.fix = "Store the secret as a JSON SecretString with the key \"" + key +
               "\", or drop the key from the reference.";
  return result;
}

Classification get_secret_value(const PermissionEdge& edge, const ProbeCall& call,
                                std::optional<ProviderError>& error) {
  std::string body = "{\"SecretId\":" + json::quote(edge.secret.id);
  if (!edge.secret.version_stage.empty()) body += ",\"VersionStage\":" + json::quote(edge.secret.version_stage);
  if (!edge.secret.version_id.empty()) body += ",\"VersionId\":" + json::quote(edge.secret.version_id);
  body += "}";
  auto outcome = call_json(call, Service::kSecretsManager, "secretsmanager.GetSecretValue", body,
                           edge.operation, edge.secret.id);
  if (outcome.last.error || outcome.attempts == 0) return failed(edge, call, outcome, error);

  // Parsed in place so that the value exists only in the response buffer and
  // in the copy checked for the key; both are wiped.
  std::string& response = outcome.last.response.body;
  rapidjson::Document document;
  document.ParseInsitu(response.data());
  std::string value;
  bool binary = false;
  if (!document.HasParseError() && document.IsObject()) {
    value = json::string_member(document, "SecretString");
    binary = value.empty() && document.HasMember("SecretBinary");
    if (binary) value = json::string_member(document, "SecretBinary");
  }
  wipe(response);
  if (document.HasParseError() || !document.IsObject() ||
      (value.empty() && !binary && !document.HasMember("SecretString"))) {
    wipe(value);
    Classification result;
    result.message = subject(edge, call) + " returned a response without SecretString or SecretBinary";
    result.fix = "Rerun the check.";
    return result;
  }
  if (binary) {
    wipe(value);
    if (call.shared != nullptr) {
      call.shared->results.clear();
      for (const std::string& key : call.shared->keys) call.shared->results.push_back(binary_key(edge, call, key));
    }
    return binary_key(edge, call, edge.secret.json_key);
  }
  return check_value(edge, call, value);
}

Classification describe_secret(const PermissionEdge& edge, const ProbeCall& call,
                               std::optional<ProviderError>& error) {
  std::string body = "{\"SecretId\":" + json::quote(edge.secret.id) + "}";
  auto outcome = call_json(call, Service::kSecretsManager, "secretsmanager.DescribeSecret", body,
                           edge.operation, edge.secret.id);
  if (outcome.last.error || outcome.attempts == 0) return failed(edge, call, outcome, error);
  rapidjson::Document document;
  document.Parse(outcome.last.response.body.data(), outcome.last.response.body.size());
  if (!document.HasParseError() && document.IsObject() && document.HasMember("DeletedDate")) {
    Classification result;
    result.verdict = Verdict::kDisabled;
    result.message = subject(edge, call) + " shows the secret is scheduled for deletion (DeletedDate is set)";
    result.fix = "Restore secret " + edge.secret.id +
                 " with secretsmanager:RestoreSecret, or point the reference at another secret.";
    return result;
  }
  return ok(edge, call, "returned the secret's metadata");
}

std::string parameter_name(const SecretTarget& secret) {
  return secret.parameter_selector.empty() ? secret.id : secret.id + ":" + secret.parameter_selector;
}

Classification parameter_value(const PermissionEdge& edge, const ProbeCall& call,
                               rapidjson::Value& parameter) {
  std::string value = json::string_member(parameter, "Value");
  return check_value(edge, call, value);
}

// Returns the secret a parameter under /aws/reference/secretsmanager/ reads
// through SSM (name or ARN form), or nothing for an ordinary parameter.
std::optional<SecretTarget> referenced_secret(const SecretTarget& parameter) {
  constexpr std::string_view kPrefix = "/aws/reference/secretsmanager/";
  std::string name = parameter.id;
  auto marker = name.find(":parameter/");
  if (name.starts_with("arn:") && marker != std::string::npos) name = name.substr(marker + 10);
  if (!name.starts_with(kPrefix)) return std::nullopt;
  SecretTarget secret = parameter;
  secret.service = "secretsmanager";
  secret.id = name.substr(kPrefix.size());
  secret.parameter_selector.clear();
  return secret;
}

// SSM reads a referenced secret with the caller's own
// secretsmanager:GetSecretValue, so a denial that names Secrets Manager or
// KMS gets a fix for the secret instead of the parameter.
Classification reference_failed(const PermissionEdge& edge, const ProbeCall& call, const SecretTarget& secret,
                                const auth::RetryOutcome& outcome, std::optional<ProviderError>& error) {
  const std::optional<ProviderError>& provider = outcome.last.error;
  if (!provider) return failed(edge, call, outcome, error);
  const std::string& text = provider->message;
  bool secrets_manager = text.find("secretsmanager:") != std::string::npos ||
                         text.find("AWSSecretsManager") != std::string::npos ||
                         text.find("Access to KMS is not allowed") != std::string::npos;
  // NOTE: SSM may hide the Secrets Manager error behind this generic
  // ValidationException. One third-party emulator returns it for a caller
  // without secretsmanager:GetSecretValue, but no AWS capture confirms it.
  bool dependency = provider->code == "ValidationException" &&
                    text.find("calling one AWS dependency service") != std::string::npos;
  if (!secrets_manager && !dependency) return failed(edge, call, outcome, error);
  error = provider;
  FixContext context{"secretsmanager:GetSecretValue", call.role_arn, secret};
  Classification result;
  if (dependency) {
    result.verdict = Verdict::kDenied;
    result.layer = Layer::kUnknown;
    result.message = subject(edge, call) + " failed in Secrets Manager, and SSM did not say why: " +
                     provider->code + ": " + strip_message_tail(text);
    result.fix = "Allow secretsmanager:GetSecretValue on " + policy_resource(secret) + " for " +
                 role_name(call.role_arn) + " (SSM reads the secret as the caller), and check that secret " +
                 secret.id + " exists in " + call.region + ".";
    return result;
  }
  result = classify_probe_error(*provider, context, outcome.deadline_reached);
  result.message = subject(edge, call) + " reads secret " + secret.id + " through SSM, which failed: " +
                   result.message;
  return result;
}

Classification get_parameters(const PermissionEdge& edge, const ProbeCall& call,
                              std::optional<ProviderError>& error) {
  const std::string name = parameter_name(edge.secret);
  std::optional<SecretTarget> secret = referenced_secret(edge.secret);
  std::string body = "{\"Names\":[" + json::quote(name) + "],\"WithDecryption\":true}";
  auto outcome = call_json(call, Service::kSsm, "AmazonSSM.GetParameters", body, edge.operation, name);
  if (outcome.last.error || outcome.attempts == 0) {
    if (secret) return reference_failed(edge, call, *secret, outcome, error);
    return failed(edge, call, outcome, error);
  }
  std::string& response = outcome.last.response.body;
  rapidjson::Document document;
  document.ParseInsitu(response.data());
  Classification result;
  if (document.HasParseError() || !document.IsObject()) {
    wipe(response);
    result.message = subject(edge, call) + " returned a response that is not a JSON object";
    result.fix = "Rerun the check.";
    return result;
  }
  // GetParameters reports missing names in InvalidParameters instead of an error.
  auto invalid = document.FindMember("InvalidParameters");
  bool listed_invalid = invalid != document.MemberEnd() && invalid->value.IsArray() &&
                        !invalid->value.Empty();
  auto parameters = document.FindMember("Parameters");
  bool has_parameter = parameters != document.MemberEnd() && parameters->value.IsArray() &&
                       !parameters->value.Empty();
  if (listed_invalid || !has_parameter) {
    wipe(response);
    result.verdict = Verdict::kNotFound;
    if (secret) {
      result.message = subject(edge, call) + " listed the name in InvalidParameters: no Secrets Manager secret " +
                       secret->id + " (or no such version) in " + call.region;
      result.fix = "Create secret " + secret->id + " in " + call.region +
                   ", or fix the secret name after /aws/reference/secretsmanager/ in the reference.";
      return result;
    }
    result.message = subject(edge, call) + " listed the name in InvalidParameters: no such parameter or version";
    result.fix = "Create parameter " + name + " in " + call.region +
                 ", or fix the name, version or label in the reference.";
    return result;
  }
  result = parameter_value(edge, call, parameters->value[0]);
  wipe(response);
  return result;
}

Classification get_parameter(const PermissionEdge& edge, const ProbeCall& call,
                             std::optional<ProviderError>& error) {
  const std::string name = parameter_name(edge.secret);
  std::string body = "{\"Name\":" + json::quote(name) + ",\"WithDecryption\":true}";
  auto outcome = call_json(call, Service::kSsm, "AmazonSSM.GetParameter", body, edge.operation, name);
  if (outcome.last.error || outcome.attempts == 0) return failed(edge, call, outcome, error);
  std::string& response = outcome.last.response.body;
  rapidjson::Document document;
  document.ParseInsitu(response.data());
  Classification result;
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("Parameter") ||
      !document["Parameter"].IsObject()) {
    wipe(response);
    result.message = subject(edge, call) + " returned a response without a Parameter object";
    result.fix = "Rerun the check.";
    return result;
  }
  result = parameter_value(edge, call, document["Parameter"]);
  wipe(response);
  return result;
}

Classification not_probed(const PermissionEdge& edge, const ProbeCall& call,
                          std::optional<ProviderError>&) {
  Classification result;
  result.message = subject(edge, call) + " is not probed yet, so this edge was not checked";
  result.fix = "Check this permission by hand until secret-preflight probes " + edge.operation + ".";
  return result;
}

using ProbeFunction = Classification (*)(const PermissionEdge&, const ProbeCall&,
                                         std::optional<ProviderError>&);

// Edges with a find (External Secrets dataFrom.find) go to probe_find.
// TODO: probe the Parameter Store find operations (ssm:DescribeParameters,
// ssm:GetParametersByPath); they report inconclusive until then.
constexpr std::array<std::pair<std::string_view, ProbeFunction>, 4> kOperations = {{
    {"secretsmanager:GetSecretValue", get_secret_value},
    {"secretsmanager:DescribeSecret", describe_secret},
    {"ssm:GetParameters", get_parameters},
    {"ssm:GetParameter", get_parameter},
}};

}  // namespace

KeyCheck check_json_key(std::string& value, const std::string& key) {
  KeyCheck check;
  {
    rapidjson::Document document;
    document.ParseInsitu(value.data());
    if (document.HasParseError()) check = KeyCheck::kNotJson;
    else if (!document.IsObject()) check = KeyCheck::kNotObject;
    else check = document.HasMember(key.c_str()) ? KeyCheck::kPresent : KeyCheck::kMissing;
  }
  wipe(value);
  return check;
}

Classification probe_secret(const PermissionEdge& edge, const ProbeCall& call,
                            std::optional<ProviderError>& error) {
  if (edge.secret.find) {
    if (edge.secret.service == "secretsmanager") return probe_find(edge, call, error);
    return not_probed(edge, call, error);
  }
  for (const auto& [operation, probe] : kOperations)
    if (operation == edge.operation) return probe(edge, call, error);
  Classification result;
  result.message = "operation " + edge.operation + " on " + edge.secret.id + " is not one the probe knows";
  result.fix = "Check this permission by hand; secret-preflight cannot probe " + edge.operation + ".";
  return result;
}

std::string key_missing_message(const std::string& subject, const std::string& noun, KeyCheck check,
                                const std::string& key) {
  if (check == KeyCheck::kNotJson)
    return subject + " returned a " + noun + " that is not JSON, so it has no key \"" + key + "\"";
  if (check == KeyCheck::kNotObject)
    return subject + " returned JSON that is not an object, so it has no key \"" + key + "\"";
  return subject + " returned JSON without the top-level key \"" + key + "\"";
}

}  // namespace sp::probe
