#include "probe/find_probe.h"

#include <rapidjson/document.h>

#include <regex>
#include <string>
#include <vector>

#include "auth/endpoints.h"
#include "probe/json_call.h"
#include "util/json.h"
#include "util/sensitive.h"

namespace sp::probe {
namespace {

using auth::Service;

// A listing loop stops after this many pages, so a NextToken that never ends
// cannot hold the run. A ListSecrets page holds at most 100 secrets and a
// BatchGetSecretValue page at most 20.
constexpr int kMaxPages = 100;

struct ListedSecret {
  std::string name;
  std::string arn;
};

/// The outcome of one paginated call: what matched, or the failed call.
struct Listing {
  std::vector<ListedSecret> matches;
  int listed = 0;
  std::optional<auth::RetryOutcome> failure;
  /// Set when the response could not be used (not JSON, page limit).
  std::string problem;
};

std::string describe_find(const SecretFind& find) {
  std::vector<std::string> parts;
  if (!find.path.empty()) parts.push_back("name prefix \"" + find.path + "\"");
  for (const auto& [key, value] : find.tags) parts.push_back("tag " + key + "=" + value);
  if (!find.name_regexp.empty()) parts.push_back("names matching \"" + find.name_regexp + "\"");
  if (parts.empty()) return "no filters";
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) text += (i == 0 ? "" : ", ") + parts[i];
  return text;
}

std::string subject(const PermissionEdge& edge, const ProbeCall& call) {
  return edge.operation + " with " + describe_find(*edge.secret.find) + " as " + role_name(call.role_arn);
}

// Builds the Filters list External Secrets sends: `name` for the path, and a
// `tag-key` and a `tag-value` filter for each tag (findByName, findByTags).
std::string filters_json(const SecretFind& find) {
  std::vector<std::string> filters;
  if (!find.path.empty()) filters.push_back(R"({"Key":"name","Values":[)" + json::quote(find.path) + "]}");
  for (const auto& [key, value] : find.tags) {
    filters.push_back(R"({"Key":"tag-key","Values":[)" + json::quote(key) + "]}");
    filters.push_back(R"({"Key":"tag-value","Values":[)" + json::quote(value) + "]}");
  }
  std::string text = "[";
  for (size_t i = 0; i < filters.size(); ++i) text += (i == 0 ? "" : ",") + filters[i];
  return text + "]";
}

std::string request_body(const SecretFind& find, const std::string& next_token) {
  std::string body = "{";
  std::string filters = filters_json(find);
  if (filters != "[]") body += "\"Filters\":" + filters;
  if (!next_token.empty()) body += std::string(body.size() > 1 ? "," : "") + "\"NextToken\":" + json::quote(next_token);
  return body + "}";
}

// Returns the secret name in a name or full secret ARN (random suffix removed).
std::string secret_name(const std::string& id) {
  auto marker = id.find(":secret:");
  if (!id.starts_with("arn:") || marker == std::string::npos) return id;
  std::string name = id.substr(marker + 8);
  if (name.size() > 7 && name[name.size() - 7] == '-') name.resize(name.size() - 7);
  return name;
}

class NameMatcher {
 public:
  explicit NameMatcher(const std::string& pattern) : empty_(pattern.empty()) {
    // NOTE: External Secrets compiles the pattern with Go's regexp (RE2
    // syntax). std::regex ECMAScript agrees on common patterns, but not on
    // every construct, such as named groups and \pN classes.
    if (!empty_) regex_ = std::regex(pattern, std::regex::ECMAScript);
  }
  bool matches(const std::string& name) const { return empty_ || std::regex_search(name, regex_); }

 private:
  bool empty_;
  std::regex regex_;
};

Listing list_secrets(const PermissionEdge& edge, const ProbeCall& call, const NameMatcher& matcher) {
  Listing listing;
  std::string next_token;
  for (int page = 0; page < kMaxPages; ++page) {
    auto outcome = call_json(call, Service::kSecretsManager, "secretsmanager.ListSecrets",
                             request_body(*edge.secret.find, next_token), "secretsmanager:ListSecrets",
                             describe_find(*edge.secret.find));
    if (outcome.last.error || outcome.attempts == 0) {
      listing.failure = std::move(outcome);
      return listing;
    }
    rapidjson::Document document;
    const std::string& body = outcome.last.response.body;
    document.Parse(body.data(), body.size());
    auto list = document.IsObject() ? document.FindMember("SecretList") : document.MemberEnd();
    if (document.HasParseError() || !document.IsObject() || list == document.MemberEnd() ||
        !list->value.IsArray()) {
      listing.problem = "returned a response without a SecretList array";
      return listing;
    }
    for (const auto& entry : list->value.GetArray()) {
      if (!entry.IsObject()) continue;
      ++listing.listed;
      ListedSecret secret{json::string_member(entry, "Name"), json::string_member(entry, "ARN")};
      if (matcher.matches(secret.name)) listing.matches.push_back(std::move(secret));
    }
    next_token = json::string_member(document, "NextToken");
    if (next_token.empty()) return listing;
  }
  listing.problem = "returned more than " + std::to_string(kMaxPages) + " pages";
  return listing;
}

// Classifies a failed `operation` call, a list or a batch, which both take
// the resource "*".
Classification call_failed(const PermissionEdge& edge, const ProbeCall& call, const std::string& operation,
                           const auth::RetryOutcome& outcome, std::optional<ProviderError>& error) {
  SecretTarget any = edge.secret;
  any.id = "*";
  FixContext context{operation, call.role_arn, any};
  if (!outcome.last.error) {
    Classification result;
    result.message = subject(edge, call) + " was not attempted: the run deadline had passed";
    result.fix = "Rerun with a longer deadline.";
    return result;
  }
  error = outcome.last.error;
  Classification result = classify_probe_error(*outcome.last.error, context, outcome.deadline_reached);
  if (result.verdict == Verdict::kNotFound) result.verdict = Verdict::kInconclusive;
  return result;
}

Classification listing_problem(const PermissionEdge& edge, const ProbeCall& call, const Listing& listing) {
  Classification result;
  result.message = subject(edge, call) + " " + listing.problem;
  result.fix = "Rerun the check.";
  return result;
}

Classification nothing_matched(const PermissionEdge& edge, const ProbeCall& call, int listed,
                               const std::string& verb) {
  Classification result;
  result.verdict = Verdict::kNotFound;
  result.message = subject(edge, call) + " " + verb + " " + std::to_string(listed) +
                   " secrets in " + call.region + ", none matching the find";
  result.fix = "Create a secret in " + call.region + " that the find selects (" + describe_find(*edge.secret.find) +
               "), or fix the find filters in the reference.";
  return result;
}

Classification list_probe(const PermissionEdge& edge, const ProbeCall& call, const NameMatcher& matcher,
                          std::optional<ProviderError>& error) {
  Listing listing = list_secrets(edge, call, matcher);
  if (listing.failure) return call_failed(edge, call, edge.operation, *listing.failure, error);
  if (!listing.problem.empty()) return listing_problem(edge, call, listing);
  if (listing.matches.empty()) return nothing_matched(edge, call, listing.listed, "listed");
  Classification result;
  result.verdict = Verdict::kOk;
  result.message = subject(edge, call) + " listed " + std::to_string(listing.matches.size()) +
                   " matching secrets";
  return result;
}

// Reads each match with GetSecretValue by name, as External Secrets'
// findByName does without a path, and stops at the first failure as the
// controller does.
Classification read_each_probe(const PermissionEdge& edge, const ProbeCall& call, const NameMatcher& matcher,
                               std::optional<ProviderError>& error) {
  Listing listing = list_secrets(edge, call, matcher);
  if (listing.failure) {
    std::optional<ProviderError> list_error;
    Classification listed = call_failed(edge, call, "secretsmanager:ListSecrets", *listing.failure, list_error);
    Classification result;
    result.message = subject(edge, call) + " could not list the secrets to read, so GetSecretValue "
                                           "was not tried: " + listed.message;
    result.fix = "Fix the secretsmanager:ListSecrets edge of this find first.";
    error = list_error;
    return result;
  }
  if (!listing.problem.empty()) return listing_problem(edge, call, listing);
  if (listing.matches.empty()) return nothing_matched(edge, call, listing.listed, "listed");
  for (size_t i = 0; i < listing.matches.size(); ++i) {
    PermissionEdge single = edge;
    single.secret.find.reset();
    single.secret.id = listing.matches[i].name;
    single.secret.json_key.clear();
    single.secret.version_stage = "AWSCURRENT";
    single.secret.version_id.clear();
    Classification read = probe_secret(single, call, error);
    if (read.verdict != Verdict::kOk) {
      read.message = "dataFrom.find matched " + std::to_string(listing.matches.size()) + " secrets; " +
                     read.message;
      if (i > 0) read.message += " (" + std::to_string(i) + " matches before it were read)";
      return read;
    }
  }
  Classification result;
  result.verdict = Verdict::kOk;
  result.message = subject(edge, call) + " read all " + std::to_string(listing.matches.size()) +
                   " matching secrets";
  return result;
}

struct BatchError {
  std::string secret_id;
  ProviderError error;
};

// Sends BatchGetSecretValue with the find's filters, as findByTags and
// findByName with a path do, and keeps only names and errors: each page's
// values are wiped as soon as the page is parsed.
Classification batch_probe(const PermissionEdge& edge, const ProbeCall& call, const NameMatcher& matcher,
                           std::optional<ProviderError>& error) {
  int read = 0;
  int listed = 0;
  std::vector<BatchError> failures;
  std::string next_token;
  int page = 0;
  for (; page < kMaxPages; ++page) {
    auto outcome = call_json(call, Service::kSecretsManager, "secretsmanager.BatchGetSecretValue",
                             request_body(*edge.secret.find, next_token), edge.operation,
                             describe_find(*edge.secret.find));
    if (outcome.last.error || outcome.attempts == 0) return call_failed(edge, call, edge.operation, outcome, error);
    std::string& response = outcome.last.response.body;
    rapidjson::Document document;
    document.ParseInsitu(response.data());
    bool usable = !document.HasParseError() && document.IsObject();
    if (usable) {
      auto values = document.FindMember("SecretValues");
      if (values != document.MemberEnd() && values->value.IsArray()) {
        for (const auto& entry : values->value.GetArray()) {
          if (!entry.IsObject()) continue;
          ++listed;
          if (matcher.matches(json::string_member(entry, "Name"))) ++read;
        }
      }
      auto errors = document.FindMember("Errors");
      if (errors != document.MemberEnd() && errors->value.IsArray()) {
        for (const auto& entry : errors->value.GetArray()) {
          if (!entry.IsObject()) continue;
          ++listed;
          std::string id = json::string_member(entry, "SecretId");
          if (!matcher.matches(secret_name(id))) continue;
          ProviderError failure;
          failure.code = json::string_member(entry, "ErrorCode");
          failure.message = json::string_member(entry, "Message");
          failure.request_id = outcome.last.response.header("x-amzn-requestid");
          failure.http_status = 200;
          failures.push_back({id, failure});
        }
      }
      next_token = json::string_member(document, "NextToken");
    }
    wipe(response);
    if (!usable) {
      Classification result;
      result.message = subject(edge, call) + " returned a response that is not a JSON object";
      result.fix = "Rerun the check.";
      return result;
    }
    if (next_token.empty()) break;
  }
  if (page == kMaxPages) {
    Classification result;
    result.message = subject(edge, call) + " returned more than " + std::to_string(kMaxPages) + " pages";
    result.fix = "Rerun the check.";
    return result;
  }
  if (!failures.empty()) {
    const BatchError& first = failures.front();
    SecretTarget secret = edge.secret;
    secret.find.reset();
    secret.id = first.secret_id;
    FixContext context{"secretsmanager:GetSecretValue", call.role_arn, secret};
    Classification result = classify_probe_error(first.error, context);
    error = first.error;
    std::string others = failures.size() > 1
                             ? " (" + std::to_string(failures.size() - 1) + " more matching secrets failed)"
                             : "";
    result.message = subject(edge, call) + " read " + std::to_string(read) + " matching secrets and listed " +
                     first.secret_id + " in Errors: " + result.message + others;
    return result;
  }
  if (read == 0) return nothing_matched(edge, call, listed, "returned");
  Classification result;
  result.verdict = Verdict::kOk;
  result.message = subject(edge, call) + " read all " + std::to_string(read) + " matching secrets";
  return result;
}

}  // namespace

Classification probe_find(const PermissionEdge& edge, const ProbeCall& call,
                          std::optional<ProviderError>& error) {
  const SecretFind& find = *edge.secret.find;
  std::optional<NameMatcher> matcher;
  try {
    matcher.emplace(find.name_regexp);
  } catch (const std::regex_error&) {
    Classification result;
    result.message = "dataFrom.find name.regexp \"" + find.name_regexp + "\" is not a valid regular expression";
    result.fix = "Fix the regular expression in the reference.";
    return result;
  }
  if (edge.operation == "secretsmanager:ListSecrets") return list_probe(edge, call, *matcher, error);
  if (edge.operation == "secretsmanager:BatchGetSecretValue") return batch_probe(edge, call, *matcher, error);
  if (edge.operation == "secretsmanager:GetSecretValue") return read_each_probe(edge, call, *matcher, error);
  Classification result;
  result.message = subject(edge, call) + " is not probed yet, so this edge was not checked";
  result.fix = "Check this permission by hand until secret-preflight probes " + edge.operation + ".";
  return result;
}

}  // namespace sp::probe
