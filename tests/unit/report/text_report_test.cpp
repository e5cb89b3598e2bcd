#include <catch2/catch.hpp>

#include <cstdlib>
#include <sstream>

#include "report/text_report.h"
#include "report_test_util.h"

using sp::Diagnostic;
using sp::EdgeResult;
using sp::Verdict;
using sp::report::Gate;
using sp::report::RunReport;
using sp::report::TextOptions;
using sp::report::testing::make_result;

TEST_CASE("text report groups edges by outcome", "[report]") {
  RunReport run;
  EdgeResult ignored = make_result("c.json", 4, 2, Verdict::kNotFound, "shop/legacy");
  ignored.ignored_reason = "retired in Q1";
  run.results = {make_result("a.json", 5, 1, Verdict::kOk, "shop/db"),
                 make_result("b.json", 27, 24, Verdict::kDenied, "shop/stripe"), ignored};
  run.notices = {"ignore rule at x.yml:3 expired"};
  std::ostringstream out;
  sp::report::write_text_report(out, run, Gate{}, {});
  CHECK(out.str() ==
        "Failing the gate (1):\n"
        "b.json:27:24  denied [identity-policy]  shop/stripe  as "
        "arn:aws:iam::111122223333:role/shop-api-exec\n"
        "    The runtime identity cannot read the secret.\n"
        "    via task definition shop-api (b.json:2)\n"
        "    via executionRoleArn fetches container secrets (b.json:8)\n"
        "    fix: Allow secretsmanager:GetSecretValue.\n"
        "\n"
        "Ignored (1):\n"
        "c.json:4:2  not-found  shop/legacy  as arn:aws:iam::111122223333:role/shop-api-exec\n"
        "    The runtime identity cannot read the secret.\n"
        "    via task definition shop-api (c.json:2)\n"
        "    via executionRoleArn fetches container secrets (c.json:8)\n"
        "    fix: Allow secretsmanager:GetSecretValue.\n"
        "    ignored: retired in Q1\n"
        "\n"
        "OK (1):\n"
        "a.json:5:1  ok  shop/db  as arn:aws:iam::111122223333:role/shop-api-exec\n"
        "\n"
        "notice: ignore rule at x.yml:3 expired\n"
        "3 permission edges: 1 ok, 1 denied, 1 not-found (1 ignored); gate failed\n");
}

TEST_CASE("text report colours verdicts", "[report]") {
  RunReport run;
  run.results = {make_result("b.json", 1, 1, Verdict::kDenied)};
  std::ostringstream out;
  sp::report::write_text_report(out, run, Gate{}, {true, false});
  CHECK(out.str().find("\033[31mdenied [identity-policy]\033[0m") != std::string::npos);
  CHECK(out.str().find("\033[1mFailing the gate (1):\033[0m") != std::string::npos);
  CHECK(out.str().find("\n1 permission edge: 1 denied; gate failed\n") != std::string::npos);
}

TEST_CASE("text report passes with no edges", "[report]") {
  std::ostringstream out;
  sp::report::write_text_report(out, RunReport{}, Gate{}, {});
  CHECK(out.str() == "0 permission edges; gate passed\n");
}

TEST_CASE("text report under actions neutralises commands", "[report]") {
  RunReport run;
  run.results = {make_result("::error::x.json", 1, 1, Verdict::kOk)};
  std::ostringstream out;
  sp::report::write_text_report(out, run, Gate{}, {false, true});
  CHECK(out.str().rfind("::stop-commands::", 0) == 0);
}

TEST_CASE("diagnostics print location and caret", "[report]") {
  std::vector<Diagnostic> diagnostics = {
      {Diagnostic::Severity::kError, {"deploy/api.json", 27, 5}, "unknown key \"valueFrm\"",
       "    \"valueFrm\": \"x\""},
      {Diagnostic::Severity::kWarning, {"deploy/k8s.yaml", 3, 3}, "tab before key", "\t\tkey: v"},
      {Diagnostic::Severity::kError, {"config.yml", 0, 0}, "file is empty", ""},
      {Diagnostic::Severity::kNote, {}, "no manifests matched", ""},
  };
  std::ostringstream out;
  sp::report::write_diagnostics(out, diagnostics, {});
  CHECK(out.str() ==
        "secret-preflight: error: deploy/api.json:27:5: unknown key \"valueFrm\"\n"
        "    \"valueFrm\": \"x\"\n"
        "    ^\n"
        "secret-preflight: warning: deploy/k8s.yaml:3:3: tab before key\n"
        "\t\tkey: v\n"
        "\t\t^\n"
        "secret-preflight: error: config.yml: file is empty\n"
        "secret-preflight: note: no manifests matched\n");
}

TEST_CASE("NO_COLOR turns colour off", "[report]") {
  setenv("NO_COLOR", "1", 1);
  CHECK_FALSE(sp::report::colour_enabled(1));
  unsetenv("NO_COLOR");
}

TEST_CASE("text report escapes control characters", "[report]") {
  RunReport run;
  run.results = {make_result("a.json", 5, 1, Verdict::kDenied, "shop/\x1b[31mred\n::error::x")};
  TextOptions options;
  options.colour = true;
  std::ostringstream out;
  sp::report::write_text_report(out, run, Gate{}, options);
  CHECK(out.str().find("shop/\\x1b[31mred\\x0a::error::x") != std::string::npos);
  CHECK(out.str().find("\n::error") == std::string::npos);
  // The report's own colours still reach the terminal.
  CHECK(out.str().find("\033[31mdenied") != std::string::npos);
}
