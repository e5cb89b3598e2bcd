#include <catch2/catch.hpp>

#include <stdexcept>

#include "report/gate.h"
#include "report_test_util.h"

using sp::EdgeResult;
using sp::Verdict;
using sp::config::IgnoreRule;
using sp::report::Gate;
using sp::report::RunReport;
using sp::report::testing::make_result;

TEST_CASE("verdict list parses", "[report]") {
  CHECK(sp::report::parse_verdict_list("denied,not-found") ==
        std::set<Verdict>{Verdict::kDenied, Verdict::kNotFound});
  CHECK(sp::report::parse_verdict_list(" denied , unresolved ") ==
        std::set<Verdict>{Verdict::kDenied, Verdict::kUnresolved});
  CHECK(sp::report::parse_verdict_list("none").empty());
}

TEST_CASE("verdict list rejects unknown word", "[report]") {
  try {
    sp::report::parse_verdict_list("denied,not_found");
    FAIL("no exception");
  } catch (const std::invalid_argument& error) {
    CHECK(std::string(error.what()) ==
          "invalid verdict \"not_found\" in \"denied,not_found\"; did you mean \"not-found\"? "
          "Valid verdicts: ok, denied, not-found, disabled, key-missing, identity-unavailable, "
          "inconclusive, unresolved, or none.");
  }
  CHECK_THROWS_AS(sp::report::parse_verdict_list(""), std::invalid_argument);
  CHECK_THROWS_AS(sp::report::parse_verdict_list("denied,,ok"), std::invalid_argument);
  CHECK_THROWS_WITH(sp::report::parse_verdict_list("denid"),
                    Catch::Contains("did you mean \"denied\""));
}

TEST_CASE("gate maps verdicts to exit status", "[report]") {
  struct Case {
    std::vector<Verdict> verdicts;
    bool error_diagnostic;
    int expected;
  };
  const std::vector<Case> cases = {
      {{}, false, 0},
      {{Verdict::kOk}, false, 0},
      {{Verdict::kOk, Verdict::kDenied}, false, 1},
      {{Verdict::kNotFound}, false, 1},
      {{Verdict::kDisabled}, false, 1},
      {{Verdict::kKeyMissing}, false, 1},
      {{Verdict::kIdentityUnavailable}, false, 1},
      {{Verdict::kInconclusive}, false, 0},
      {{Verdict::kUnresolved}, false, 0},
      {{Verdict::kOk}, true, 2},
      {{Verdict::kDenied}, true, 2},
  };
  Gate gate;
  for (const Case& test : cases) {
    RunReport run;
    for (Verdict verdict : test.verdicts) run.results.push_back(make_result("a.json", 1, 1, verdict));
    if (test.error_diagnostic) run.diagnostics.push_back({});
    INFO("verdicts " << test.verdicts.size() << " first "
                     << (test.verdicts.empty() ? "-" : sp::to_string(test.verdicts[0]))
                     << " error diagnostic " << test.error_diagnostic);
    CHECK(sp::report::exit_status(gate, run) == test.expected);
  }
}

TEST_CASE("gate honours custom fail set", "[report]") {
  Gate gate;
  gate.fail_on = sp::report::parse_verdict_list("inconclusive");
  std::vector<EdgeResult> denied = {make_result("a.json", 1, 1, Verdict::kDenied)};
  std::vector<EdgeResult> inconclusive = {make_result("a.json", 1, 1, Verdict::kInconclusive)};
  CHECK(sp::report::passes(gate, denied));
  CHECK_FALSE(sp::report::passes(gate, inconclusive));

  RunReport run;
  run.results = denied;
  run.diagnostics.push_back({sp::Diagnostic::Severity::kWarning, {}, "just a warning", ""});
  CHECK(sp::report::exit_status(gate, run) == 0);
}

TEST_CASE("gate classifies outcomes", "[report]") {
  Gate gate;
  EdgeResult denied = make_result("a.json", 1, 1, Verdict::kDenied);
  CHECK(classify(gate, denied) == sp::report::Outcome::kFail);
  CHECK(classify(gate, make_result("a.json", 1, 1, Verdict::kUnresolved)) ==
        sp::report::Outcome::kWarn);
  CHECK(classify(gate, make_result("a.json", 1, 1, Verdict::kOk)) == sp::report::Outcome::kPass);
  denied.ignored_reason = "retired";
  CHECK(classify(gate, denied) == sp::report::Outcome::kIgnored);
  CHECK(sp::report::passes(gate, {denied}));
}

TEST_CASE("ignore rules match file secret verdict", "[report]") {
  std::vector<EdgeResult> results = {
      make_result("deploy/ecs/api.json", 3, 1, Verdict::kDenied, "shop/legacy-1"),
      make_result("deploy/ecs/api.json", 4, 1, Verdict::kNotFound, "shop/legacy-2"),
      make_result("deploy/k8s/web.yaml", 5, 1, Verdict::kDenied, "shop/legacy-3"),
      make_result("deploy/ecs/api.json", 6, 1, Verdict::kOk, "shop/legacy-4"),
  };
  IgnoreRule rule;
  rule.file = "deploy/ecs/*";
  rule.secret = "shop/legacy-*";
  rule.verdict = "denied";
  rule.reason = "retired in Q1";
  rule.expires = "2027-01-31";

  auto notices = sp::report::apply_ignores(results, {rule}, "2027-01-31");
  CHECK(notices.empty());
  REQUIRE(results[0].ignored_reason);
  CHECK(*results[0].ignored_reason == "retired in Q1");
  CHECK_FALSE(results[1].ignored_reason);  // verdict differs
  CHECK_FALSE(results[2].ignored_reason);  // file differs
  CHECK_FALSE(results[3].ignored_reason);  // ok results are never ignored
}

TEST_CASE("expired ignore rule no longer applies", "[report]") {
  std::vector<EdgeResult> results = {make_result("a.json", 3, 1, Verdict::kDenied, "shop/legacy")};
  IgnoreRule rule;
  rule.secret = "shop/legacy";
  rule.reason = "retired in Q1";
  rule.expires = "2027-01-31";
  rule.location = {".github/secret-preflight.yml", 12, 7};

  auto notices = sp::report::apply_ignores(results, {rule}, "2027-02-01");
  CHECK_FALSE(results[0].ignored_reason);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0] ==
        "ignore rule at .github/secret-preflight.yml:12 (secret \"shop/legacy\") expired on "
        "2027-01-31 and no longer applies; remove it or set a later expires date");
}

TEST_CASE("ignore rule without selector or valid date is skipped", "[report]") {
  std::vector<EdgeResult> results = {make_result("a.json", 3, 1, Verdict::kDenied)};
  IgnoreRule empty;
  empty.reason = "everything";
  IgnoreRule bad_date;
  bad_date.verdict = "denied";
  bad_date.reason = "soon";
  bad_date.expires = "31.01.2027";

  auto notices = sp::report::apply_ignores(results, {empty, bad_date}, "2027-01-01");
  CHECK_FALSE(results[0].ignored_reason);
  REQUIRE(notices.size() == 2);
  CHECK(notices[0] ==
        "ignore rule at config file (no selector) names no file, secret or verdict, so it is not "
        "applied; add at least one of them");
  CHECK(notices[1] ==
        "ignore rule at config file (verdict \"denied\") has an invalid expires value "
        "\"31.01.2027\", so it is not applied; write the date as YYYY-MM-DD");
}
