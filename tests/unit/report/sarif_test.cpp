#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <cstdlib>
#include <set>
#include <string>

#include "report/sarif.h"
#include "report_test_util.h"
#include "util/redaction.h"

using sp::EdgeResult;
using sp::Layer;
using sp::Verdict;
using sp::report::Gate;
using sp::report::RunReport;
using sp::report::testing::make_result;

namespace {

constexpr const char* kDeniedSecret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/stripe-Hd2wPa";

// A check run with one result of each kind the writer treats differently:
// denied, ok, ignored not-found, unresolved, inconclusive, an input error at
// a line, a warning diagnostic and a run notice.
RunReport sample_run() {
  RunReport run;
  run.mode = "check";
  run.started_at = "2026-12-04T10:00:00Z";
  run.finished_at = "2026-12-04T10:00:02Z";
  run.passed_gate = false;

  EdgeResult denied = make_result("deploy/ecs/api.taskdef.json", 27, 24, Verdict::kDenied, kDeniedSecret);
  denied.edge.secret.json_key = "api_key";
  denied.provider_error = sp::ProviderError{"AccessDeniedException", "not authorized", "6d1f-request", 400};
  EdgeResult ok = make_result("deploy/ecs/api.taskdef.json", 20, 3, Verdict::kOk, "shop/db");
  EdgeResult ignored = make_result("deploy/a.yaml", 9, 1, Verdict::kNotFound, "shop/legacy");
  ignored.ignored_reason = "retired in Q1";
  EdgeResult unresolved = make_result("deploy/a.yaml", 2, 5, Verdict::kUnresolved, "shop/x");
  unresolved.edge.identity.principal.clear();
  unresolved.edge.unresolved_reason = "ServiceAccount shop/orders-api not found";
  EdgeResult inconclusive = make_result("deploy/b.yaml", 4, 7, Verdict::kInconclusive, "shop/y");

  run.results = {denied, ok, ignored, unresolved, inconclusive};
  run.diagnostics.push_back(
      {sp::Diagnostic::Severity::kError, {"deploy/c.yaml", 3, 1}, "invalid YAML: unexpected ':'", ""});
  run.diagnostics.push_back(
      {sp::Diagnostic::Severity::kWarning, {"deploy/a.yaml", 4, 3}, "unknown key \"valueFrm\"", ""});
  run.notices = {"ignore rule at .github/secret-preflight.yml:3 expired"};
  return run;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

std::string text_of(const rapidjson::Value& value) { return std::string(value.GetString()); }

const rapidjson::Value& run_of(const rapidjson::Document& document) { return document["runs"][0]; }

// Returns the result whose ruleId is `rule_id`, and fails the test when there
// is none.
const rapidjson::Value& result_with_rule(const rapidjson::Document& document, const std::string& rule_id) {
  const auto& results = run_of(document)["results"];
  for (const auto& result : results.GetArray())
    if (text_of(result["ruleId"]) == rule_id) return result;
  FAIL("no result with ruleId " << rule_id);
  return results[0];
}

}  // namespace

TEST_CASE("sarif top-level shape", "[report][sarif]") {
  rapidjson::Document document = parse(sp::report::render_sarif(sample_run(), Gate{}));
  CHECK(text_of(document["$schema"]) == "https://json.schemastore.org/sarif-2.1.0.json");
  CHECK(text_of(document["version"]) == "2.1.0");
  REQUIRE(document["runs"].Size() == 1);

  const auto& run = run_of(document);
  const auto& driver = run["tool"]["driver"];
  CHECK(text_of(driver["name"]) == "secret-preflight");
  CHECK(text_of(driver["version"]) == SECRET_PREFLIGHT_VERSION);
  CHECK(text_of(run["automationDetails"]["id"]) == "secret-preflight/");

  const auto& invocation = run["invocations"][0];
  CHECK(invocation["executionSuccessful"].GetBool() == false);
  CHECK(text_of(invocation["startTimeUtc"]) == "2026-12-04T10:00:00Z");
  const auto& notifications = invocation["toolExecutionNotifications"];
  REQUIRE(notifications.Size() == 2);
  CHECK(text_of(notifications[0]["level"]) == "warning");
  CHECK(text_of(notifications[0]["message"]["text"]) == "unknown key \"valueFrm\"");
  CHECK(text_of(notifications[1]["level"]) == "note");

  // The ok edge gives no result, and the input error gives one.
  CHECK(run["results"].Size() == 5);
}

TEST_CASE("sarif rule shape", "[report][sarif]") {
  rapidjson::Document document = parse(sp::report::render_sarif(sample_run(), Gate{}));
  const auto& rules = run_of(document)["tool"]["driver"]["rules"];
  REQUIRE(rules.Size() > 0);
  for (const auto& rule : rules.GetArray()) {
    INFO("rule " << text_of(rule["id"]));
    CHECK(text_of(rule["id"]).rfind("SP-", 0) == 0);
    CHECK_FALSE(text_of(rule["name"]).empty());
    CHECK(text_of(rule["name"]).size() <= 255);
    CHECK_FALSE(text_of(rule["shortDescription"]["text"]).empty());
    CHECK_FALSE(text_of(rule["fullDescription"]["text"]).empty());
    CHECK_FALSE(text_of(rule["help"]["text"]).empty());
    CHECK_FALSE(text_of(rule["help"]["markdown"]).empty());
    CHECK(rule["defaultConfiguration"].HasMember("level"));
    CHECK(rule["properties"]["tags"].Size() <= 20);
    std::set<std::string> precisions{"very-high", "high", "medium", "low"};
    CHECK(precisions.count(text_of(rule["properties"]["precision"])) == 1);
  }
}

TEST_CASE("sarif rule ids are unique", "[report][sarif]") {
  std::vector<std::string> ids = sp::report::sarif_rule_ids();
  std::set<std::string> unique(ids.begin(), ids.end());
  CHECK(unique.size() == ids.size());
}

TEST_CASE("sarif rule id scheme", "[report][sarif]") {
  using sp::report::sarif_rule_id;
  CHECK(sarif_rule_id(Verdict::kDenied, Layer::kIdentityPolicy) == "SP-denied-identity-policy");
  CHECK(sarif_rule_id(Verdict::kDenied, Layer::kKmsKeyPolicy) == "SP-denied-kms-key-policy");
  CHECK(sarif_rule_id(Verdict::kDenied, Layer::kNone) == "SP-denied-unknown");
  CHECK(sarif_rule_id(Verdict::kIdentityUnavailable, Layer::kTrustPolicy) ==
        "SP-identity-unavailable-trust-policy");
  CHECK(sarif_rule_id(Verdict::kIdentityUnavailable, Layer::kNone) == "SP-identity-unavailable");
  CHECK(sarif_rule_id(Verdict::kNotFound, Layer::kNone) == "SP-not-found");
  CHECK(sarif_rule_id(Verdict::kKeyMissing, Layer::kNone) == "SP-key-missing");
  // A layer on a verdict without layer rules does not change the rule.
  CHECK(sarif_rule_id(Verdict::kInconclusive, Layer::kNetwork) == "SP-inconclusive");
}

TEST_CASE("sarif rule table covers every verdict and layer", "[report][sarif]") {
  std::vector<std::string> ids = sp::report::sarif_rule_ids();
  std::set<std::string> table(ids.begin(), ids.end());
  // Layer::kUnknown is the last enumerator of Layer.
  for (Verdict verdict : sp::all_verdicts()) {
    if (verdict == Verdict::kOk) continue;
    for (int value = 0; value <= static_cast<int>(Layer::kUnknown); ++value) {
      Layer layer = static_cast<Layer>(value);
      std::string id = sp::report::sarif_rule_id(verdict, layer);
      INFO("verdict " << sp::to_string(verdict) << ", layer " << sp::to_string(layer));
      CHECK(table.count(id) == 1);
    }
  }
  CHECK(table.count("SP-input-error") == 1);
  CHECK(table.count("SP-ok") == 0);
}

TEST_CASE("sarif results skip ok edges", "[report][sarif]") {
  RunReport run;
  run.mode = "check";
  run.results = {make_result("a.yaml", 1, 1, Verdict::kOk)};
  rapidjson::Document document = parse(sp::report::render_sarif(run, Gate{}));
  CHECK(run_of(document)["results"].Size() == 0);
  CHECK(run_of(document)["invocations"][0]["executionSuccessful"].GetBool() == true);
}

TEST_CASE("sarif result shape", "[report][sarif]") {
  rapidjson::Document document = parse(sp::report::render_sarif(sample_run(), Gate{}));
  const auto& result = result_with_rule(document, "SP-denied-identity-policy");
  const auto& rules = run_of(document)["tool"]["driver"]["rules"];
  CHECK(text_of(rules[result["ruleIndex"].GetUint()]["id"]) == "SP-denied-identity-policy");

  const auto& location = result["locations"][0]["physicalLocation"];
  CHECK(text_of(location["artifactLocation"]["uri"]) == "deploy/ecs/api.taskdef.json");
  CHECK(text_of(location["artifactLocation"]["uriBaseId"]) == "%SRCROOT%");
  CHECK(location["region"]["startLine"].GetInt() == 27);
  CHECK(location["region"]["startColumn"].GetInt() == 24);

  std::string message = text_of(result["message"]["text"]);
  CHECK_THAT(message, Catch::Contains("denied (identity-policy)"));
  CHECK_THAT(message, Catch::Contains("Runtime identity: arn:aws:iam::111122223333:role/shop-api-exec"));
  CHECK_THAT(message, Catch::Contains(
                          "Identity chain: task definition shop-api → executionRoleArn fetches container secrets"));
  CHECK_THAT(message, Catch::Contains("Provider error: AccessDeniedException"));
  CHECK_THAT(message, Catch::Contains("Fix: Allow secretsmanager:GetSecretValue."));

  const auto& related = result["relatedLocations"];
  REQUIRE(related.Size() == 2);
  CHECK(related[0]["id"].GetInt() == 1);
  CHECK(text_of(related[1]["message"]["text"]) == "executionRoleArn fetches container secrets");
  CHECK(text_of(related[1]["physicalLocation"]["artifactLocation"]["uri"]) == "deploy/ecs/api.taskdef.json");
  CHECK(related[1]["physicalLocation"]["region"]["startLine"].GetInt() == 8);

  CHECK(text_of(result["partialFingerprints"]["secretPreflightEdge/v1"]).size() == 32);
  CHECK_FALSE(result["partialFingerprints"].HasMember("primaryLocationLineHash"));
  CHECK_FALSE(result.HasMember("suppressions"));
}

TEST_CASE("sarif input error is a result", "[report][sarif]") {
  rapidjson::Document document = parse(sp::report::render_sarif(sample_run(), Gate{}));
  const auto& result = result_with_rule(document, "SP-input-error");
  CHECK(text_of(result["level"]) == "error");
  CHECK(text_of(result["message"]["text"]) == "invalid YAML: unexpected ':'");
  const auto& location = result["locations"][0]["physicalLocation"];
  CHECK(text_of(location["artifactLocation"]["uri"]) == "deploy/c.yaml");
  CHECK(location["region"]["startLine"].GetInt() == 3);
}

TEST_CASE("sarif levels follow the gate", "[report][sarif]") {
  RunReport run = sample_run();
  SECTION("default gate") {
    rapidjson::Document document = parse(sp::report::render_sarif(run, Gate{}));
    CHECK(text_of(result_with_rule(document, "SP-denied-identity-policy")["level"]) == "error");
    CHECK(text_of(result_with_rule(document, "SP-inconclusive")["level"]) == "warning");
    CHECK(text_of(result_with_rule(document, "SP-unresolved")["level"]) == "warning");
  }
  SECTION("custom gate") {
    Gate gate;
    gate.fail_on = {Verdict::kInconclusive};
    gate.warn_on = {Verdict::kDenied};
    rapidjson::Document document = parse(sp::report::render_sarif(run, gate));
    CHECK(text_of(result_with_rule(document, "SP-denied-identity-policy")["level"]) == "warning");
    CHECK(text_of(result_with_rule(document, "SP-inconclusive")["level"]) == "error");
    CHECK(text_of(result_with_rule(document, "SP-unresolved")["level"]) == "note");

    const auto& rules = run_of(document)["tool"]["driver"]["rules"];
    for (const auto& rule : rules.GetArray()) {
      std::string id = text_of(rule["id"]);
      std::string level = text_of(rule["defaultConfiguration"]["level"]);
      if (id == "SP-inconclusive") CHECK(level == "error");
      if (id == "SP-denied-scp") CHECK(level == "warning");
      if (id == "SP-not-found") CHECK(level == "note");
    }
  }
}

TEST_CASE("sarif ignored edge is suppressed", "[report][sarif]") {
  rapidjson::Document document = parse(sp::report::render_sarif(sample_run(), Gate{}));
  const auto& result = result_with_rule(document, "SP-not-found");
  // The level is the gate's treatment without the ignore rule.
  CHECK(text_of(result["level"]) == "error");
  REQUIRE(result["suppressions"].Size() == 1);
  CHECK(text_of(result["suppressions"][0]["kind"]) == "external");
  CHECK(text_of(result["suppressions"][0]["justification"]) == "retired in Q1");
}

TEST_CASE("sarif fingerprint ignores line changes", "[report][sarif]") {
  EdgeResult before = make_result("deploy/a.yaml", 10, 5, Verdict::kDenied);
  EdgeResult after = before;
  after.edge.reference.location.line = 42;
  after.edge.reference.location.column = 9;
  after.edge.identity.chain[0].location.line = 30;
  CHECK(sp::report::sarif_edge_fingerprint(before) == sp::report::sarif_edge_fingerprint(after));
}

TEST_CASE("sarif fingerprint tracks the edge", "[report][sarif]") {
  EdgeResult base = make_result("deploy/a.yaml", 10, 5, Verdict::kDenied);
  std::string fingerprint = sp::report::sarif_edge_fingerprint(base);
  CHECK(fingerprint.find_first_not_of("0123456789abcdef") == std::string::npos);

  EdgeResult other_principal = base;
  other_principal.edge.identity.principal = "arn:aws:iam::111122223333:role/other";
  CHECK(sp::report::sarif_edge_fingerprint(other_principal) != fingerprint);

  EdgeResult other_secret = base;
  other_secret.edge.secret.id = "shop/other";
  CHECK(sp::report::sarif_edge_fingerprint(other_secret) != fingerprint);

  EdgeResult other_operation = base;
  other_operation.edge.operation = "ssm:GetParameters";
  CHECK(sp::report::sarif_edge_fingerprint(other_operation) != fingerprint);

  EdgeResult other_file = base;
  other_file.edge.reference.location.file = "deploy/b.yaml";
  CHECK(sp::report::sarif_edge_fingerprint(other_file) != fingerprint);

  EdgeResult other_layer = base;
  other_layer.layer = Layer::kKmsKeyPolicy;
  CHECK(sp::report::sarif_edge_fingerprint(other_layer) != fingerprint);
}

TEST_CASE("sarif result limit keeps failures", "[report][sarif]") {
  RunReport run;
  run.mode = "check";
  // Warnings sort before the failures by file, so a plain cut would keep them.
  for (int i = 0; i < 3; ++i)
    run.results.push_back(make_result("a.yaml", i + 1, 1, Verdict::kInconclusive, "shop/w" + std::to_string(i)));
  for (int i = 0; i < 2; ++i)
    run.results.push_back(make_result("b.yaml", i + 1, 1, Verdict::kNotFound, "shop/f" + std::to_string(i)));

  rapidjson::Document document = parse(sp::report::render_sarif(run, Gate{}, 3));
  const auto& results = run_of(document)["results"];
  REQUIRE(results.Size() == 3);
  CHECK(text_of(results[0]["ruleId"]) == "SP-inconclusive");
  CHECK(text_of(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) == "a.yaml");
  CHECK(text_of(results[1]["ruleId"]) == "SP-not-found");
  CHECK(text_of(results[2]["ruleId"]) == "SP-not-found");

  const auto& notifications = run_of(document)["invocations"][0]["toolExecutionNotifications"];
  REQUIRE(notifications.Size() == 1);
  CHECK(text_of(notifications[0]["level"]) == "warning");
  CHECK_THAT(text_of(notifications[0]["message"]["text"]), Catch::StartsWith("2 results were left out"));
}

TEST_CASE("sarif plan reports unresolved only", "[report][sarif]") {
  RunReport run = sample_run();
  run.mode = "plan";
  run.diagnostics.clear();
  rapidjson::Document document = parse(sp::report::render_sarif(run, Gate{}));
  const auto& results = run_of(document)["results"];
  REQUIRE(results.Size() == 1);
  CHECK(text_of(results[0]["ruleId"]) == "SP-unresolved");
  CHECK(text_of(run_of(document)["automationDetails"]["id"]) == "secret-preflight-plan/");
}

TEST_CASE("sarif redacts registered values", "[report][sarif]") {
  const std::string canary = "canary-7f3b9c2e-sarif";
  sp::redaction::set_emit_masks(false);
  sp::redaction::reset_for_tests();
  sp::redaction::register_value(canary);

  RunReport run = sample_run();
  run.results[0].message = "value " + canary + " leaked";
  run.results[0].fix = "set " + canary;
  run.results[0].ignored_reason = "reason " + canary;
  run.results[0].edge.identity.chain[0].step = "step " + canary;
  run.diagnostics[0].message = "diagnostic " + canary;
  run.notices.push_back("notice " + canary);
  std::string sarif = sp::report::render_sarif(run, Gate{});
  sp::redaction::reset_for_tests();

  CHECK(sarif.find(canary) == std::string::npos);
  CHECK(sarif.find("value *** leaked") != std::string::npos);
}

// Writes the sample run to $SP_SARIF_SAMPLE for the schema check in
// tests/e2e/validate_sarif.py; does nothing when the variable is unset.
TEST_CASE("sarif sample file", "[report][sarif]") {
  const char* path = std::getenv("SP_SARIF_SAMPLE");
  if (path == nullptr || *path == '\0') return;
  sp::report::write_sarif(path, sample_run(), Gate{});
}
