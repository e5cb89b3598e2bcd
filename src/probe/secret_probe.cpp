#include "probe/secret_probe.h"

#include <rapidjson/document.h>

#include <array>
#include <functional>
#include <utility>

#include "auth/aws_response.h"
#include "auth/endpoints.h"
#include "auth/sigv4.h"
#include "util/json.h"
#include "util/sensitive.h"

namespace sp::probe {
namespace {

using auth::Service;

// JSON 1.1 call: POST / with X-Amz-Target, signed for `service` in the call's region.
auth::RetryOutcome call_json(const ProbeCall& call, Service service, const std::string& target,
                             const std::string& body, const std::string& operation,
                             const std::string& secret_id) {
  return auth::run_with_retries(call.retry, operation, secret_id, [&] {
    http::Request request;
    request.url = auth::endpoint_url(service, call.region) + "/";
    request.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", target}};
    request.body = body;
    request.timeout = auth::time_left(call.retry, std::chrono::milliseconds(30'000));
    auth::sign(request, call.credentials, auth::signing_region(service, call.region),
               auth::signing_name(service), std::chrono::system_clock::now());
    auth::Attempt attempt;
    attempt.response = call.transport.perform(request);
    if (!attempt.response.ok()) attempt.error = auth::parse_aws_error(attempt.response);
    return attempt;
  });
}

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

// Applies the JSON key check to `value` (wiped afterwards) and words the result.
Classification check_value(const PermissionEdge& edge, const ProbeCall& call, std::string& value) {
  const std::string& key = edge.secret.json_key;
  if (key.empty()) {
    wipe(value);
    return ok(edge, call, "returned the value");
  }
  KeyCheck check = check_json_key(value, key);
  if (check == KeyCheck::kPresent) return ok(edge, call, "returned the value with key \"" + key + "\"");
  Classification result;
  result.verdict = Verdict::kKeyMissing;
  std::string noun = edge.secret.service == "ssm" ? "parameter" : "secret";
  switch (check) {
    case KeyCheck::kNotJson:
      result.message = subject(edge, call) + " returned a value that is not JSON, so it has no key \"" +
                       key + "\"";
      break;
    case KeyCheck::kNotObject:
      result.message = subject(edge, call) +
                       " returned JSON that is not an object, so it has no key \"" + key + "\"";
      break;
    default:
      result.message = subject(edge, call) + " returned JSON without the top-level key \"" + key + "\"";
  }
  result.fix = "Fix the key name \"" + key + "\" in the reference, or add it to the " + noun + " " +
               edge.secret.id + " as a top-level JSON key.";
  return result;
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
  if (binary && !edge.secret.json_key.empty()) {
    wipe(value);
    Classification result;
    result.verdict = Verdict::kKeyMissing;
    result.message = subject(edge, call) + " returned a binary secret (SecretBinary), which has no JSON key \"" +
                     edge.secret.json_key + "\"";
    result.fix = "Store the secret as a JSON SecretString with the key \"" + edge.secret.json_key +
                 "\", or drop the key from the reference.";
    return result;
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

Classification get_parameters(const PermissionEdge& edge, const ProbeCall& call,
                              std::optional<ProviderError>& error) {
  const std::string name = parameter_name(edge.secret);
  std::string body = "{\"Names\":[" + json::quote(name) + "],\"WithDecryption\":true}";
  auto outcome = call_json(call, Service::kSsm, "AmazonSSM.GetParameters", body, edge.operation, name);
  if (outcome.last.error || outcome.attempts == 0) return failed(edge, call, outcome, error);
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

// TODO: probe secretsmanager:ListSecrets and BatchGetSecretValue (External
// Secrets `find` and batch reads); they report inconclusive until then.
constexpr std::array<std::pair<std::string_view, ProbeFunction>, 6> kOperations = {{
    {"secretsmanager:GetSecretValue", get_secret_value},
    {"secretsmanager:DescribeSecret", describe_secret},
    {"ssm:GetParameters", get_parameters},
    {"ssm:GetParameter", get_parameter},
    {"secretsmanager:ListSecrets", not_probed},
    {"secretsmanager:BatchGetSecretValue", not_probed},
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
  for (const auto& [operation, probe] : kOperations)
    if (operation == edge.operation) return probe(edge, call, error);
  Classification result;
  result.message = "operation " + edge.operation + " on " + edge.secret.id + " is not one the probe knows";
  result.fix = "Check this permission by hand; secret-preflight cannot probe " + edge.operation + ".";
  return result;
}

}  // namespace sp::probe
