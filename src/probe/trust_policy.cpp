#include "probe/trust_policy.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <vector>

#include "auth/aws_response.h"
#include "auth/endpoints.h"
#include "auth/sigv4.h"
#include "probe/aws_errors.h"
#include "util/json.h"
#include "util/url.h"
#include "util/xml.h"

namespace sp::probe {
namespace {

using Outcome = TrustCheck::Outcome;

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string issuer_host(const std::string& issuer) {
  std::string host = issuer.starts_with("https://") ? issuer.substr(8) : issuer;
  while (!host.empty() && host.back() == '/') host.pop_back();
  return host;
}

// IAM wildcard match: '*' any run, '?' one character.
bool wildcard_match(std::string_view pattern, std::string_view text, bool ignore_case) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  auto same = [&](char a, char b) {
    return ignore_case ? std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b))
                       : a == b;
  };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || same(pattern[p], text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<std::string> strings_of(const rapidjson::Value& value) {
  std::vector<std::string> out;
  if (value.IsString()) out.emplace_back(value.GetString(), value.GetStringLength());
  if (value.IsArray())
    for (const auto& item : value.GetArray())
      if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  return out;
}

// The principal the platform presents, the actions it calls, and the
// request's condition keys (lowercase names) with their values.
struct Presented {
  std::string principal_type;  // "Federated", "Service" or "AWS"
  std::string principal;
  /// Account of an "AWS" principal, which its account root also admits.
  std::string account;
  std::vector<std::string> actions;
  std::map<std::string, std::string> context;
};

enum class Match { kYes, kNo, kUnknown };

Match principal_matches(const rapidjson::Value& statement, const Presented& presented) {
  if (statement.HasMember("NotPrincipal")) return Match::kUnknown;
  auto principal = statement.FindMember("Principal");
  if (principal == statement.MemberEnd()) return Match::kNo;
  if (principal->value.IsString()) return std::string(principal->value.GetString()) == "*" ? Match::kYes : Match::kNo;
  if (!principal->value.IsObject()) return Match::kNo;
  for (const auto& member : principal->value.GetObject()) {
    std::string type(member.name.GetString(), member.name.GetStringLength());
    for (const auto& value : strings_of(member.value)) {
      if (value == "*" && type == "AWS") return Match::kYes;
      // An AWS principal may name the caller's account, as its root ARN or its
      // bare ID, which admits every principal of that account.
      if (type == "AWS" && presented.principal_type == "AWS" &&
          (value == "arn:aws:iam::" + presented.account + ":root" || value == presented.account))
        return Match::kYes;
      bool service = type == "Service" && presented.principal_type == "Service";
      if (type == presented.principal_type &&
          (service ? lowercase(value) == lowercase(presented.principal) : value == presented.principal))
        return Match::kYes;
    }
  }
  return Match::kNo;
}

bool action_matches(const rapidjson::Value& statement, const std::string& action) {
  auto actions = statement.FindMember("Action");
  if (actions == statement.MemberEnd()) return false;
  for (const auto& pattern : strings_of(actions->value))
    if (wildcard_match(pattern, action, true)) return true;
  return false;
}

// One condition operator block, e.g. "StringEquals": {"key": "value"}.
Match operator_matches(std::string op, const rapidjson::Value& block, const Presented& presented) {
  if (!block.IsObject()) return Match::kUnknown;
  bool if_exists = op.ends_with("IfExists");
  if (if_exists) op.resize(op.size() - 8);
  if (op.starts_with("ForAnyValue:") || op.starts_with("ForAllValues:")) op = op.substr(op.find(':') + 1);
  // The Arn operators compare like StringLike: case-sensitive, with wildcards.
  if (op == "ArnEquals" || op == "ArnLike") op = "StringLike";
  if (op == "ArnNotEquals" || op == "ArnNotLike") op = "StringNotLike";
  bool negated = op == "StringNotEquals" || op == "StringNotLike" || op == "StringNotEqualsIgnoreCase";
  bool like = op == "StringLike" || op == "StringNotLike";
  bool ignore_case = op == "StringEqualsIgnoreCase" || op == "StringNotEqualsIgnoreCase";
  bool known = negated || like || ignore_case || op == "StringEquals";
  if (!known) return Match::kUnknown;
  for (const auto& condition : block.GetObject()) {
    auto found = presented.context.find(lowercase(condition.name.GetString()));
    if (found == presented.context.end()) {
      if (if_exists) continue;
      return Match::kUnknown;
    }
    bool any = false;
    for (const auto& expected : strings_of(condition.value)) {
      bool hit = like ? wildcard_match(expected, found->second, false)
                      : ignore_case ? lowercase(expected) == lowercase(found->second)
                                    : expected == found->second;
      any = any || hit;
    }
    if (any == negated) return Match::kNo;
  }
  return Match::kYes;
}

Match statement_matches(const rapidjson::Value& statement, const Presented& presented,
                        const std::string& action) {
  if (statement.HasMember("NotAction")) return Match::kUnknown;
  if (!action_matches(statement, action)) return Match::kNo;
  Match principal = principal_matches(statement, presented);
  if (principal != Match::kYes) return principal;
  auto conditions = statement.FindMember("Condition");
  if (conditions == statement.MemberEnd()) return Match::kYes;
  if (!conditions->value.IsObject()) return Match::kUnknown;
  Match result = Match::kYes;
  for (const auto& block : conditions->value.GetObject()) {
    Match match = operator_matches(block.name.GetString(), block.value, presented);
    if (match == Match::kNo) return Match::kNo;
    if (match == Match::kUnknown) result = Match::kUnknown;
  }
  return result;
}

std::optional<Presented> presented_by(const RuntimeIdentity& identity, std::string& reason) {
  Presented presented;
  const std::string account = arn_account(identity.principal);
  switch (identity.mechanism) {
    case IdentityMechanism::kIrsa: {
      if (identity.oidc_issuer.empty()) {
        reason = "the cluster's OIDC issuer is unknown (set kubernetes.cluster.oidc_issuer)";
        return std::nullopt;
      }
      const std::string host = issuer_host(identity.oidc_issuer);
      presented.principal_type = "Federated";
      presented.principal = "arn:aws:iam::" + account + ":oidc-provider/" + host;
      presented.actions = {"sts:AssumeRoleWithWebIdentity"};
      presented.context[lowercase(host + ":sub")] =
          "system:serviceaccount:" + identity.kubernetes_namespace + ":" + identity.service_account;
      presented.context[lowercase(host + ":aud")] = identity.audience;
      return presented;
    }
    case IdentityMechanism::kEcsExecutionRole:
      presented.principal_type = "Service";
      presented.principal = "ecs-tasks.amazonaws.com";
      presented.actions = {"sts:AssumeRole"};
      return presented;
    case IdentityMechanism::kPodIdentity:
      presented.principal_type = "Service";
      presented.principal = "pods.eks.amazonaws.com";
      presented.actions = {"sts:AssumeRole", "sts:TagSession"};
      return presented;
    default:
      reason = "the platform's principal for this identity is not known";
      return std::nullopt;
  }
}

}  // namespace

std::string required_trust_statement(const RuntimeIdentity& identity) {
  const std::string account = arn_account(identity.principal);
  switch (identity.mechanism) {
    case IdentityMechanism::kIrsa: {
      const std::string host = issuer_host(identity.oidc_issuer);
      return R"({"Effect":"Allow","Principal":{"Federated":)" +
             json::quote("arn:aws:iam::" + account + ":oidc-provider/" + host) +
             R"(},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{)" +
             json::quote(host + ":sub") + ":" +
             json::quote("system:serviceaccount:" + identity.kubernetes_namespace + ":" +
                         identity.service_account) +
             "," + json::quote(host + ":aud") + ":" + json::quote(identity.audience) + "}}}";
    }
    case IdentityMechanism::kEcsExecutionRole:
      return R"({"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"})";
    case IdentityMechanism::kPodIdentity:
      return R"({"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},)"
             R"("Action":["sts:AssumeRole","sts:TagSession"]})";
    default:
      return "";
  }
}

namespace {

// Evaluates `policy_json`, the trust policy of `role_arn`, for the principal
// and actions in `presented`. `statement` is the fix offered on kNotAdmitted.
TrustCheck evaluate(const std::string& policy_json, const std::string& role_arn,
                    const Presented& presented, const std::string& statement) {
  TrustCheck check;
  rapidjson::Document document;
  document.Parse(policy_json.data(), policy_json.size());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("Statement")) {
    check.note = "the trust policy of " + role_name(role_arn) + " is not a policy document";
    return check;
  }
  std::vector<const rapidjson::Value*> statements;
  const auto& list = document["Statement"];
  if (list.IsObject()) statements.push_back(&list);
  if (list.IsArray())
    for (const auto& statement : list.GetArray())
      if (statement.IsObject()) statements.push_back(&statement);

  bool uncertain = false;
  for (const auto& action : presented.actions) {
    Match allowed = Match::kNo;
    for (const auto* policy_statement : statements) {
      Match match = statement_matches(*policy_statement, presented, action);
      std::string effect = json::string_member(*policy_statement, "Effect");
      if (effect == "Deny" && match == Match::kYes) {
        check.outcome = Outcome::kNotAdmitted;
        check.note = "an explicit Deny in the trust policy of " + role_name(role_arn) + " blocks " +
                     action + " for " + presented.principal;
        check.statement = statement;
        return check;
      }
      if (effect == "Deny" && match == Match::kUnknown) uncertain = true;
      if (effect == "Allow" && match == Match::kYes) allowed = Match::kYes;
      if (effect == "Allow" && match == Match::kUnknown && allowed == Match::kNo) allowed = Match::kUnknown;
    }
    if (allowed == Match::kNo) {
      check.outcome = Outcome::kNotAdmitted;
      check.note = "the trust policy of " + role_name(role_arn) + " does not allow " +
                   presented.principal + " to perform " + action;
      check.statement = statement;
      return check;
    }
    if (allowed == Match::kUnknown) uncertain = true;
  }
  if (uncertain) {
    check.note = "the trust policy of " + role_name(role_arn) +
                 " has conditions or elements this check cannot evaluate";
    return check;
  }
  check.outcome = Outcome::kAdmitted;
  return check;
}

Presented presented_by_role(const std::string& caller_role_arn, const std::vector<std::string>& actions) {
  Presented presented;
  presented.principal_type = "AWS";
  presented.principal = caller_role_arn;
  presented.account = arn_account(caller_role_arn);
  presented.actions = actions;
  presented.context["aws:principalarn"] = caller_role_arn;
  presented.context["aws:principalaccount"] = presented.account;
  presented.context["aws:principaltype"] = "AssumedRole";
  return presented;
}

// Reads the trust policy of `role_arn` with iam:GetRole into `document`.
// Returns "" on success, else the reason it could not be read.
std::string read_trust_policy(http::HttpTransport& transport, const auth::AwsCredentials& credentials,
                              const std::string& role_arn, const auth::RetryPolicy& retry,
                              std::string& document) {
  const std::string name = role_name(role_arn);
  auto outcome = auth::run_with_retries(retry, "iam:GetRole", name, [&] {
    http::Request request;
    request.url = auth::endpoint_url(auth::Service::kIam, "us-east-1") + "/";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = "Action=GetRole&Version=2010-05-08&RoleName=" + url::percent_encode(name);
    request.timeout = auth::attempt_timeout(retry);
    auth::sign(request, credentials, "us-east-1", "iam", std::chrono::system_clock::now());
    auth::Attempt attempt;
    attempt.response = transport.perform(request);
    if (!attempt.response.ok()) attempt.error = auth::parse_aws_error(attempt.response);
    return attempt;
  });
  if (outcome.attempts == 0 || outcome.last.error) {
    const auto& error = outcome.last.error;
    return "iam:GetRole on " + name + " failed" +
           (error ? ": " + (error->code.empty() ? "HTTP " + std::to_string(error->http_status) : error->code)
                  : std::string(": the run deadline passed"));
  }
  auto root = xml::parse(outcome.last.response.body);
  // GetRole takes a name and reads the role of the credentials' own account,
  // so a role of another account, or one with another path, is a different role.
  std::string arn = root ? root->text_at("GetRoleResult/Role/Arn") : "";
  if (!arn.empty() && arn != role_arn)
    return "iam:GetRole on " + name + " returned " + arn + ", not " + role_arn +
           ", because GetRole reads only the account of the credentials that sign it";
  document = root ? root->text_at("GetRoleResult/Role/AssumeRolePolicyDocument") : "";
  if (document.empty()) return "the iam:GetRole response for " + name + " has no AssumeRolePolicyDocument";
  // IAM returns the document URL-encoded (RFC 3986).
  document = url::percent_decode(document);
  return "";
}

}  // namespace

TrustCheck evaluate_trust_policy(const std::string& policy_json, const RuntimeIdentity& identity) {
  std::string reason;
  auto presented = presented_by(identity, reason);
  if (!presented) {
    TrustCheck check;
    check.note = reason;
    return check;
  }
  return evaluate(policy_json, identity.principal, *presented, required_trust_statement(identity));
}

std::string required_chain_statement(const std::string& caller_role_arn,
                                     const std::vector<std::string>& actions) {
  std::string action_list;
  for (const auto& action : actions) action_list += (action_list.empty() ? "" : ",") + json::quote(action);
  if (actions.size() != 1) action_list = "[" + action_list + "]";
  return R"({"Effect":"Allow","Principal":{"AWS":)" + json::quote(caller_role_arn) + R"(},"Action":)" +
         action_list + "}";
}

TrustCheck evaluate_chain_trust_policy(const std::string& policy_json, const std::string& role_arn,
                                       const std::string& caller_role_arn,
                                       const std::vector<std::string>& actions) {
  return evaluate(policy_json, role_arn, presented_by_role(caller_role_arn, actions),
                  required_chain_statement(caller_role_arn, actions));
}

TrustCheck check_trust_edge(http::HttpTransport& transport, const auth::AwsCredentials& credentials,
                            const RuntimeIdentity& identity, const auth::RetryPolicy& retry) {
  TrustCheck check;
  std::string reason;
  if (!presented_by(identity, reason)) {
    check.note = reason;
    return check;
  }
  std::string document;
  check.note = read_trust_policy(transport, credentials, identity.principal, retry, document);
  if (!check.note.empty()) return check;
  return evaluate_trust_policy(document, identity);
}

TrustCheck check_chain_trust_edge(http::HttpTransport& transport, const auth::AwsCredentials& credentials,
                                  const std::string& role_arn, const std::string& caller_role_arn,
                                  const std::vector<std::string>& actions, const auth::RetryPolicy& retry) {
  TrustCheck check;
  std::string document;
  check.note = read_trust_policy(transport, credentials, role_arn, retry, document);
  if (!check.note.empty()) return check;
  return evaluate_chain_trust_policy(document, role_arn, caller_role_arn, actions);
}

}  // namespace sp::probe
