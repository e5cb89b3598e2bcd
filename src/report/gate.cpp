#include "report/gate.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "util/edit_distance.h"
#include "util/glob.h"

namespace sp::report {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

std::string valid_verdict_list() {
  std::string list;
  for (Verdict verdict : all_verdicts()) {
    list += to_string(verdict);
    list += ", ";
  }
  return list + "or none";
}

std::string closest_verdict(std::string_view word) {
  std::string best = "none";
  int best_distance = util::edit_distance(word, best);
  for (Verdict verdict : all_verdicts()) {
    int distance = util::edit_distance(word, to_string(verdict));
    if (distance < best_distance) {
      best_distance = distance;
      best = to_string(verdict);
    }
  }
  return best;
}

bool is_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  return true;
}

std::string describe_rule(const config::IgnoreRule& rule) {
  std::string where = rule.location.file.empty() ? "config file" : rule.location.file;
  if (rule.location.line > 0) where += ":" + std::to_string(rule.location.line);
  std::string selectors;
  auto add = [&](std::string_view name, const std::string& value) {
    if (value.empty()) return;
    if (!selectors.empty()) selectors += ", ";
    selectors += std::string(name) + " \"" + value + "\"";
  };
  add("file", rule.file);
  add("secret", rule.secret);
  add("verdict", rule.verdict);
  if (selectors.empty()) selectors = "no selector";
  return "ignore rule at " + where + " (" + selectors + ")";
}

bool rule_matches(const config::IgnoreRule& rule, const EdgeResult& result) {
  if (!rule.file.empty() && !util::glob_match(rule.file, result.edge.reference.location.file))
    return false;
  if (!rule.secret.empty() && !util::glob_match(rule.secret, result.edge.secret.id)) return false;
  if (!rule.verdict.empty() && rule.verdict != to_string(result.verdict)) return false;
  return true;
}

}  // namespace

Outcome classify(const Gate& gate, const EdgeResult& result) {
  if (result.ignored_reason) return Outcome::kIgnored;
  if (gate.fail_on.count(result.verdict)) return Outcome::kFail;
  if (gate.warn_on.count(result.verdict)) return Outcome::kWarn;
  return Outcome::kPass;
}

std::set<Verdict> parse_verdict_list(std::string_view text) {
  std::string_view whole = trim(text);
  if (whole == "none") return {};
  if (whole.empty())
    throw std::invalid_argument("the verdict list is empty; list verdicts such as "
                                "\"denied,not-found\", or write \"none\" so that no verdict "
                                "fails");
  std::set<Verdict> verdicts;
  while (true) {
    size_t comma = text.find(',');
    std::string_view word = trim(text.substr(0, comma));
    std::optional<Verdict> verdict = parse_verdict(word);
    if (!verdict)
      throw std::invalid_argument("invalid verdict \"" + std::string(word) + "\" in \"" +
                                  std::string(whole) + "\"; did you mean \"" +
                                  closest_verdict(word) +
                                  "\"? Valid verdicts: " + valid_verdict_list() + ".");
    verdicts.insert(*verdict);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return verdicts;
}

std::vector<std::string> apply_ignores(std::vector<EdgeResult>& results,
                                       const std::vector<config::IgnoreRule>& ignores,
                                       std::string_view today) {
  std::vector<std::string> notices;
  for (const config::IgnoreRule& rule : ignores) {
    if (rule.file.empty() && rule.secret.empty() && rule.verdict.empty()) {
      notices.push_back(describe_rule(rule) +
                        " names no file, secret or verdict, so it is not applied; add at "
                        "least one of them");
      continue;
    }
    if (!rule.expires.empty() && !is_iso_date(rule.expires)) {
      notices.push_back(describe_rule(rule) + " has an invalid expires value \"" + rule.expires +
                        "\", so it is not applied; write the date as YYYY-MM-DD");
      continue;
    }
    // YYYY-MM-DD strings compare in date order.
    if (!rule.expires.empty() && today > std::string_view(rule.expires)) {
      notices.push_back(describe_rule(rule) + " expired on " + rule.expires +
                        " and no longer applies; remove it or set a later expires date");
      continue;
    }
    for (EdgeResult& result : results) {
      if (result.verdict == Verdict::kOk || result.ignored_reason) continue;
      if (rule_matches(rule, result)) result.ignored_reason = rule.reason;
    }
  }
  return notices;
}

bool passes(const Gate& gate, const std::vector<EdgeResult>& results) {
  return std::none_of(results.begin(), results.end(), [&](const EdgeResult& result) {
    return classify(gate, result) == Outcome::kFail;
  });
}

int exit_status(const Gate& gate, const RunReport& run) {
  if (has_errors(run.diagnostics)) return 2;
  return passes(gate, probed_results(run)) ? 0 : 1;
}

std::string today_utc() { return now_utc().substr(0, 10); }

}  // namespace sp::report
