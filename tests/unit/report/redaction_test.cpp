// Every writer must pass its text through redaction::redact(): a canary
// registered as sensitive must not appear in any output.
#include <catch2/catch.hpp>

#include <sstream>

#include "report/github.h"
#include "report/json_report.h"
#include "report/text_report.h"
#include "report_test_util.h"
#include "util/redaction.h"

using sp::Verdict;
using sp::report::Gate;
using sp::report::RunReport;
using sp::report::testing::make_result;
namespace github = sp::report::github;

namespace {

constexpr const char* kCanary = "CANARY-7f3a9c1e";

// Plants the canary in every free-text field a writer prints.
RunReport run_with_canary() {
  std::string canary = kCanary;
  RunReport run;
  run.mode = "check";
  auto result = make_result("deploy/" + canary + ".json", 3, 1, Verdict::kDenied, "shop/" + canary);
  result.message = "message " + canary;
  result.fix = "fix " + canary;
  result.operator_note = "note " + canary;
  result.edge.identity.principal = "arn:aws:iam::1:role/" + canary;
  result.edge.identity.chain[0].step = "step " + canary;
  result.edge.assumptions = {"assumed " + canary};
  result.provider_error = sp::ProviderError{"AccessDenied", "error " + canary, "req", 400};
  auto ignored = make_result("a.json", 1, 1, Verdict::kDenied);
  ignored.ignored_reason = "reason " + canary;
  run.results = {result, ignored};
  run.diagnostics.push_back(
      {sp::Diagnostic::Severity::kError, {"m.yaml", 1, 3}, "bad " + canary, "x: " + canary});
  run.notices = {"notice " + canary};
  return run;
}

}  // namespace

TEST_CASE("every writer redacts a registered canary", "[report]") {
  sp::redaction::set_emit_masks(false);
  sp::redaction::reset_for_tests();
  sp::redaction::register_value(kCanary);
  RunReport run = run_with_canary();

  SECTION("json report") {
    std::string json = sp::report::render_json_report(run);
    CHECK(json.find(kCanary) == std::string::npos);
    CHECK(json.find("***") != std::string::npos);
  }
  SECTION("text report and diagnostics") {
    std::ostringstream out;
    sp::report::write_text_report(out, run, Gate{}, {});
    sp::report::write_diagnostics(out, run.diagnostics, {});
    CHECK(out.str().find(kCanary) == std::string::npos);
    CHECK(out.str().find("***") != std::string::npos);
  }
  SECTION("annotations") {
    std::ostringstream out;
    github::write_annotations(out, run, Gate{}, {std::string("out/") + kCanary});
    github::AnnotationOptions capped{std::string("out/") + kCanary, 0};
    github::write_annotations(out, run, Gate{}, capped);
    CHECK(out.str().find(kCanary) == std::string::npos);
    CHECK(out.str().find("***") != std::string::npos);
  }
  SECTION("step summary") {
    std::string summary = github::render_step_summary(run, Gate{}, {});
    std::string truncated =
        github::render_step_summary(run, Gate{}, {std::string("out/") + kCanary, 1200});
    CHECK(summary.find(kCanary) == std::string::npos);
    CHECK(truncated.find(kCanary) == std::string::npos);
    CHECK(truncated.find("Truncated") != std::string::npos);
  }
  SECTION("outputs") {
    std::string outputs = github::render_outputs(run, std::string("out/") + kCanary);
    CHECK(outputs.find(kCanary) == std::string::npos);
    CHECK(outputs.find("report=out/***") != std::string::npos);
  }
  sp::redaction::reset_for_tests();
}
