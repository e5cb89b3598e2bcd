#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/github.h"
#include "report/github_api.h"
#include "report_test_util.h"

using sp::EdgeResult;
using sp::Verdict;
using sp::report::Gate;
using sp::report::RunReport;
using sp::report::testing::make_result;
namespace github = sp::report::github;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

bool starts_with(const std::string& text, std::string_view prefix) {
  return text.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("workflow command escaping", "[report]") {
  struct Case {
    std::string input;
    std::string data;
    std::string property;
  };
  const std::vector<Case> cases = {
      {"plain", "plain", "plain"},
      {"100%", "100%25", "100%25"},
      {"a\nb", "a%0Ab", "a%0Ab"},
      {"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
      {"x%0A::add-mask::y", "x%250A::add-mask::y", "x%250A%3A%3Aadd-mask%3A%3Ay"},
      {"deploy/a,b:c.yaml", "deploy/a,b:c.yaml", "deploy/a%2Cb%3Ac.yaml"},
      {"##[group]x", "##[group]x", "##[group]x"},
      {"%25", "%2525", "%2525"},
  };
  for (const Case& test : cases) {
    INFO("input " << test.input);
    CHECK(github::escape_data(test.input) == test.data);
    CHECK(github::escape_property(test.input) == test.property);
  }
}

TEST_CASE("format command skips empty properties", "[report]") {
  CHECK(github::format_command("error", {{"file", "a,b.yaml"}, {"line", ""}, {"title", "t: x"}},
                               "line 1\nline 2") ==
        "::error file=a%2Cb.yaml,title=t%3A x::line 1%0Aline 2");
  CHECK(github::format_command("warning", {}, "m") == "::warning::m");
}

TEST_CASE("annotation with hostile file name stays one command", "[report]") {
  RunReport run;
  EdgeResult result = make_result("deploy/x%0A::add-mask::y,z:w.json", 3, 7, Verdict::kDenied,
                                  "shop/##[group]evil\n::error::injected");
  run.results = {result};
  std::ostringstream out;
  github::write_annotations(out, run, Gate{}, {});
  std::vector<std::string> lines = lines_of(out.str());
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "::error file=deploy/x%250A%3A%3Aadd-mask%3A%3Ay%2Cz%3Aw.json,line=3,col=7,"
        "title=secret-preflight%3A denied [identity-policy]::The runtime identity cannot read "
        "the secret.%0ASecret: shop/##[group]evil%0A::error::injected%0ARuntime identity: "
        "arn:aws:iam::111122223333:role/shop-api-exec%0AIdentity chain: task definition "
        "shop-api (deploy/x%250A::add-mask::y,z:w.json:2) → executionRoleArn fetches container "
        "secrets (deploy/x%250A::add-mask::y,z:w.json:8)%0AFix: Allow "
        "secretsmanager:GetSecretValue.");
}

TEST_CASE("annotation types follow the gate", "[report]") {
  RunReport run;
  EdgeResult ignored = make_result("c.json", 1, 1, Verdict::kDenied);
  ignored.ignored_reason = "retired";
  run.results = {make_result("b.json", 1, 1, Verdict::kUnresolved),
                 make_result("a.json", 1, 1, Verdict::kOk), ignored,
                 make_result("d.json", 1, 1, Verdict::kNotFound)};
  run.diagnostics.push_back({sp::Diagnostic::Severity::kError, {"m.yaml", 2, 0}, "bad key", ""});
  std::ostringstream out;
  github::write_annotations(out, run, Gate{}, {});
  std::vector<std::string> lines = lines_of(out.str());
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "::error file=m.yaml,line=2,title=secret-preflight%3A input error::bad key");
  CHECK(starts_with(lines[1], "::error file=d.json,line=1,col=1,title=secret-preflight%3A not-found::"));
  CHECK(starts_with(lines[2], "::warning file=b.json,line=1,col=1,title=secret-preflight%3A unresolved::"));
  CHECK(starts_with(lines[3], "::notice file=c.json,line=1,col=1,"));
  CHECK(lines[3].find("%0AIgnored by the config file: retired") != std::string::npos);
}

TEST_CASE("annotations are capped per type", "[report]") {
  RunReport run;
  for (int line = 1; line <= 13; ++line)
    run.results.push_back(make_result("deploy/api.json", 14 - line, 1, Verdict::kDenied));
  run.results.push_back(make_result("deploy/web.json", 1, 1, Verdict::kInconclusive));

  std::ostringstream out;
  github::write_annotations(out, run, Gate{}, {"out/report.json"});
  std::vector<std::string> lines = lines_of(out.str());
  REQUIRE(lines.size() == 12);
  for (int i = 0; i < 10; ++i) {
    INFO("annotation " << i);
    CHECK(starts_with(lines[i], "::error file=deploy/api.json,line=" + std::to_string(i + 1) + ","));
  }
  CHECK(starts_with(lines[10], "::warning file=deploy/web.json,"));
  CHECK(lines[11] ==
        "secret-preflight: 3 more errors are not annotated, because GitHub shows at most 10 "
        "error annotations per step; the report file \"out/report.json\" lists them all.");
}

TEST_CASE("annotation overflow becomes a notice", "[report]") {
  RunReport run;
  for (int line = 1; line <= 12; ++line)
    run.results.push_back(make_result("deploy/api.json", line, 1, Verdict::kDenied));
  run.results.push_back(make_result("deploy/web.json", 1, 1, Verdict::kInconclusive));

  std::vector<std::string> notices =
      github::annotation_overflow_notices(run, Gate{}, {"out/report.json"});
  REQUIRE(notices.size() == 1);
  CHECK(notices[0] ==
        "2 more errors are not annotated, because GitHub shows at most 10 error annotations per "
        "step; the report file \"out/report.json\" lists them all.");
  run.results.resize(10);
  CHECK(github::annotation_overflow_notices(run, Gate{}, {"out/report.json"}).empty());
}

TEST_CASE("annotation overflow without report path", "[report]") {
  RunReport run;
  for (int line = 1; line <= 3; ++line)
    run.results.push_back(make_result("a.json", line, 1, Verdict::kInconclusive));
  std::ostringstream out;
  github::AnnotationOptions options;
  options.max_per_type = 2;
  github::write_annotations(out, run, Gate{}, options);
  std::vector<std::string> lines = lines_of(out.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[2] ==
        "secret-preflight: 1 more warning is not annotated, because GitHub shows at most 2 "
        "warning annotations per step; the job summary lists them.");
}

TEST_CASE("untrusted text is wrapped in stop-commands", "[report]") {
  std::ostringstream plain;
  github::write_untrusted(plain, "nothing to see");
  CHECK(plain.str() == "nothing to see\n");

  for (std::string hostile : {"::add-mask::y", "  ::error::x", "a ##[group]b", "path x::y"}) {
    INFO("text " << hostile);
    std::ostringstream out;
    github::write_untrusted(out, hostile);
    std::vector<std::string> lines = lines_of(out.str());
    REQUIRE(lines.size() == 3);
    REQUIRE(starts_with(lines[0], "::stop-commands::"));
    std::string token = lines[0].substr(std::string("::stop-commands::").size());
    CHECK(token.size() == 32);
    CHECK(lines[1] == hostile);
    CHECK(lines[2] == "::" + token + "::");
  }
}

TEST_CASE("random tokens differ", "[report]") {
  CHECK(github::random_token() != github::random_token());
}

TEST_CASE("markdown cell escaping", "[report]") {
  struct Case {
    std::string input;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"shop/db", "shop/db"},
      {"a|b", "a\\|b"},
      {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"[click](http://x)", "\\[click\\](http://x)"},
      {"`code` *bold* _it_ ~s~", "\\`code\\` \\*bold\\* \\_it\\_ \\~s\\~"},
      {"line1\nline2\r\nline3", "line1<br>line2<br>line3"},
      {"a & \"b\"", "a &amp; &quot;b&quot;"},
      {"\\|", "\\\\\\|"},
      {"## heading", "\\#\\# heading"},
  };
  for (const Case& test : cases) {
    INFO("input " << test.input);
    CHECK(github::escape_markdown_cell(test.input) == test.expected);
  }
}

TEST_CASE("step summary lists edges by verdict", "[report]") {
  RunReport run;
  run.mode = "check";
  run.passed_gate = false;
  run.results = {make_result("a.json", 5, 1, Verdict::kOk, "shop/ok"),
                 make_result("b.json", 2, 1, Verdict::kUnresolved, "shop/unresolved"),
                 make_result("c.json", 9, 1, Verdict::kDenied, "shop/a|b<i>")};
  std::string summary = github::render_step_summary(run, Gate{}, {"out/report.json"});

  CHECK(starts_with(summary, "## secret-preflight check: failed\n\n"
                             "3 permission edges: 1 fail the gate, 1 warn, 0 ignored.\n\n"
                             "| verdict | edges |\n| --- | ---: |\n| ok | 1 |\n| denied | 1 |\n"));
  CHECK(summary.find("| **total** | 3 |\n") != std::string::npos);
  size_t denied = summary.find("| denied | c.json:9 | shop/a\\|b&lt;i&gt; |");
  size_t unresolved = summary.find("| unresolved | b.json:2 | shop/unresolved |");
  size_t ok = summary.find("| ok | a.json:5 | shop/ok |");
  REQUIRE(denied != std::string::npos);
  REQUIRE(unresolved != std::string::npos);
  REQUIRE(ok != std::string::npos);
  CHECK(denied < unresolved);
  CHECK(unresolved < ok);
  CHECK(summary.find("| identity-policy | Allow secretsmanager:GetSecretValue. |") !=
        std::string::npos);
  CHECK(summary.find("Truncated") == std::string::npos);
}

TEST_CASE("step summary truncates at the size limit", "[report]") {
  RunReport run;
  run.mode = "check";
  for (int line = 1; line <= 200; ++line)
    run.results.push_back(make_result("deploy/api.json", line, 1, Verdict::kDenied));
  github::SummaryOptions options{"out/report.json", 8 * 1024};
  std::string summary = github::render_step_summary(run, Gate{}, options);

  CHECK(summary.size() <= options.max_bytes);
  size_t rows = 0;
  for (size_t at = summary.find("| denied | deploy/api.json:"); at != std::string::npos;
       at = summary.find("| denied | deploy/api.json:", at + 1))
    ++rows;
  CHECK(rows > 0);
  CHECK(rows < 200);
  std::string note = "**Truncated:** " + std::to_string(200 - rows) +
                     " more rows are not shown, because GitHub does not show a step summary "
                     "larger than 1 MiB. The report file out/report.json lists every edge.\n";
  CHECK(summary.size() >= note.size());
  CHECK(summary.substr(summary.size() - note.size()) == note);
}

TEST_CASE("step outputs", "[report]") {
  RunReport run;
  run.passed_gate = false;
  run.results = {make_result("a.json", 1, 1, Verdict::kDenied),
                 make_result("a.json", 2, 1, Verdict::kOk)};
  CHECK(github::render_outputs(run, "out/report.json") ==
        "ok=1\ndenied=1\nnot-found=0\ndisabled=0\nkey-missing=0\nidentity-unavailable=0\n"
        "inconclusive=0\nunresolved=0\nignored=0\nedges=2\npassed=false\nreport=out/report.json\n");
}

TEST_CASE("step output with line break uses heredoc", "[report]") {
  RunReport run;
  std::string outputs = github::render_outputs(run, "out/a\nedges=999");
  std::vector<std::string> lines = lines_of(outputs);
  REQUIRE(lines.size() == 15);
  CHECK(lines[10] == "passed=true");
  REQUIRE(starts_with(lines[11], "report<<ghadelimiter_"));
  std::string delimiter = lines[11].substr(std::string("report<<").size());
  CHECK(lines[12] == "out/a");
  CHECK(lines[13] == "edges=999");
  CHECK(lines[14] == delimiter);
}

TEST_CASE("outputs fail when input errors exist", "[report]") {
  RunReport run;
  run.diagnostics.push_back({});
  CHECK(github::render_outputs(run, "").find("passed=false\n") != std::string::npos);
}

TEST_CASE("file commands append to env paths", "[report]") {
  std::string dir = std::filesystem::temp_directory_path() /
                    ("sp-report-github-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string output_path = dir + "/output";
  std::string summary_path = dir + "/summary";
  {
    std::ofstream existing(output_path);
    existing << "earlier=1\n";
  }
  setenv("GITHUB_OUTPUT", output_path.c_str(), 1);
  setenv("GITHUB_STEP_SUMMARY", summary_path.c_str(), 1);

  RunReport run;
  run.mode = "plan";
  run.results = {make_result("a.json", 1, 1, Verdict::kOk)};
  github::write_outputs(run, "out/report.json");
  github::write_step_summary(run, Gate{}, "out/report.json");

  std::ifstream output_file(output_path);
  std::stringstream output;
  output << output_file.rdbuf();
  CHECK(starts_with(output.str(), "earlier=1\nok=1\n"));
  CHECK(output.str().find("\nreport=out/report.json\n") != std::string::npos);

  std::ifstream summary_file(summary_path);
  std::stringstream summary;
  summary << summary_file.rdbuf();
  CHECK(starts_with(summary.str(), "## secret-preflight plan: passed\n"));

  unsetenv("GITHUB_OUTPUT");
  unsetenv("GITHUB_STEP_SUMMARY");
  std::filesystem::remove_all(dir);
}

TEST_CASE("summary never exceeds its budget", "[report]") {
  RunReport run;
  run.mode = "check";
  run.passed_gate = false;
  for (int line = 1; line <= 200; ++line)
    run.results.push_back(make_result("deploy/api.json", line, 1, Verdict::kDenied));
  for (size_t budget : {300, 450, 600, 900, 4000, 20000}) {
    INFO("budget " << budget);
    std::string summary = github::render_step_summary(run, Gate{}, {"out/report.json", budget});
    CHECK(summary.size() <= budget);
    CHECK(summary.find("**Truncated:**") != std::string::npos);
  }
}

TEST_CASE("comment truncation names the comment limit", "[report]") {
  RunReport run;
  run.mode = "check";
  run.passed_gate = false;
  for (int line = 1; line <= 3000; ++line)
    run.results.push_back(make_result("deploy/api.json", line, 1, Verdict::kDenied));
  github::EventContext context;
  context.workflow = "preflight";
  context.job = "secrets";
  github::CommentOptions options;
  options.report_path = "/runner/work/report.json";
  options.run_url = "https://github.com/acme/shop/actions/runs/7";
  std::string body = github::render_comment(run, Gate{}, context, options);
  CHECK(body.size() <= github::kMaxCommentBytes);
  CHECK(body.starts_with(github::comment_marker(context) + "\n"));
  CHECK(body.find("because GitHub does not accept a comment longer than 65,536 characters. The "
                  "[job summary](https://github.com/acme/shop/actions/runs/7) and the report "
                  "artifact of this run list every edge.") != std::string::npos);
  CHECK(body.find("/runner/work/report.json") == std::string::npos);
}
