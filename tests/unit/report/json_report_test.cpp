#include <catch2/catch.hpp>
#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report/json_report.h"
#include "report_test_util.h"

using sp::EdgeResult;
using sp::Layer;
using sp::Verdict;
using sp::report::RunReport;
using sp::report::testing::make_result;

namespace {

RunReport sample_run() {
  RunReport run;
  run.mode = "check";
  run.started_at = "2026-12-04T10:00:00Z";
  run.finished_at = "2026-12-04T10:00:02Z";
  run.passed_gate = false;

  EdgeResult denied = make_result("deploy/ecs/api.taskdef.json", 27, 24, Verdict::kDenied,
                                  "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/stripe-Hd2wPa");
  denied.edge.secret.json_key = "api_key";
  denied.edge.secret.version_stage = "AWSCURRENT";
  denied.provider_error = sp::ProviderError{"AccessDeniedException",
                                            "User: arn:aws:sts::111122223333:assumed-role/x is "
                                            "not authorized",
                                            "6d1f-request", 400};
  denied.edge.assumptions = {"region us-east-1 from the config file"};
  denied.operator_note = "operator can read, runtime identity cannot";
  denied.simulated = true;

  EdgeResult ok = make_result("deploy/ecs/api.taskdef.json", 20, 3, Verdict::kOk, "shop/db");
  ok.edge.secret.version_id = "v-1";
  EdgeResult ignored = make_result("deploy/a.yaml", 9, 1, Verdict::kNotFound, "shop/legacy");
  ignored.ignored_reason = "retired in Q1";
  EdgeResult unresolved = make_result("deploy/a.yaml", 2, 5, Verdict::kUnresolved, "shop/x");
  unresolved.edge.identity.principal.clear();
  unresolved.edge.unresolved_reason = "ServiceAccount shop/orders-api not found";

  run.results = {denied, ok, ignored, unresolved};
  run.diagnostics.push_back({sp::Diagnostic::Severity::kWarning,
                             {"deploy/a.yaml", 4, 3},
                             "unknown key \"valueFrm\"",
                             "  valueFrm: x"});
  run.notices = {"ignore rule at .github/secret-preflight.yml:3 expired"};
  return run;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  REQUIRE_FALSE(document.HasParseError());
  return document;
}

std::string temporary_dir() {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("sp-report-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace

TEST_CASE("json report top-level shape", "[report]") {
  rapidjson::Document document = parse(sp::report::render_json_report(sample_run()));
  CHECK(std::string(document["schema"].GetString()) == "secret-preflight/report/v1");
  CHECK(std::string(document["tool"]["name"].GetString()) == "secret-preflight");
  CHECK(std::string(document["tool"]["version"].GetString()) == SECRET_PREFLIGHT_VERSION);
  CHECK(std::string(document["mode"].GetString()) == "check");
  CHECK(std::string(document["started_at"].GetString()) == "2026-12-04T10:00:00Z");
  CHECK(std::string(document["finished_at"].GetString()) == "2026-12-04T10:00:02Z");

  const auto& summary = document["summary"];
  CHECK(summary["edges"].GetInt() == 4);
  CHECK(summary["ok"].GetInt() == 1);
  CHECK(summary["denied"].GetInt() == 1);
  CHECK(summary["not-found"].GetInt() == 1);
  CHECK(summary["disabled"].GetInt() == 0);
  CHECK(summary["key-missing"].GetInt() == 0);
  CHECK(summary["identity-unavailable"].GetInt() == 0);
  CHECK(summary["inconclusive"].GetInt() == 0);
  CHECK(summary["unresolved"].GetInt() == 1);
  CHECK(summary["ignored"].GetInt() == 1);
  CHECK(summary["passed_gate"].GetBool() == false);

  REQUIRE(document["diagnostics"].Size() == 1);
  const auto& diagnostic = document["diagnostics"][0];
  CHECK(std::string(diagnostic["file"].GetString()) == "deploy/a.yaml");
  CHECK(diagnostic["line"].GetInt() == 4);
  CHECK(diagnostic["column"].GetInt() == 3);
  CHECK(std::string(diagnostic["severity"].GetString()) == "warning");
  CHECK(std::string(diagnostic["message"].GetString()) == "unknown key \"valueFrm\"");
  CHECK(document["notices"].Size() == 1);
}

TEST_CASE("json report edge shape", "[report]") {
  rapidjson::Document document = parse(sp::report::render_json_report(sample_run()));
  REQUIRE(document["edges"].Size() == 4);
  const auto& edge = document["edges"][3];  // the denied edge sorts last

  const auto& reference = edge["reference"];
  CHECK(std::string(reference["file"].GetString()) == "deploy/ecs/api.taskdef.json");
  CHECK(reference["line"].GetInt() == 27);
  CHECK(reference["column"].GetInt() == 24);
  CHECK(std::string(reference["kind"].GetString()) == "ecs-container-secret");
  CHECK(std::string(reference["path"].GetString()) ==
        "containerDefinitions[api].secrets[STRIPE_API_KEY].valueFrom");

  const auto& secret = edge["secret"];
  CHECK(std::string(secret["provider"].GetString()) == "aws");
  CHECK(std::string(secret["service"].GetString()) == "secretsmanager");
  CHECK(std::string(secret["region"].GetString()) == "us-east-1");
  CHECK(std::string(secret["json_key"].GetString()) == "api_key");
  CHECK(std::string(secret["version_stage"].GetString()) == "AWSCURRENT");
  CHECK_FALSE(secret.HasMember("version_id"));

  const auto& identity = edge["identity"];
  CHECK(std::string(identity["principal"].GetString()) ==
        "arn:aws:iam::111122223333:role/shop-api-exec");
  REQUIRE(identity["chain"].Size() == 2);
  CHECK(std::string(identity["chain"][1]["step"].GetString()) ==
        "executionRoleArn fetches container secrets");
  CHECK(std::string(identity["chain"][1]["file"].GetString()) == "deploy/ecs/api.taskdef.json");
  CHECK(identity["chain"][1]["line"].GetInt() == 8);

  CHECK(std::string(edge["operation"].GetString()) == "secretsmanager:GetSecretValue");
  CHECK(std::string(edge["verdict"].GetString()) == "denied");
  CHECK(std::string(edge["layer"].GetString()) == "identity-policy");
  CHECK(std::string(edge["provider_error"]["code"].GetString()) == "AccessDeniedException");
  CHECK(std::string(edge["provider_error"]["request_id"].GetString()) == "6d1f-request");
  CHECK(edge["provider_error"]["http_status"].GetInt() == 400);
  CHECK(std::string(edge["fix"].GetString()) == "Allow secretsmanager:GetSecretValue.");
  CHECK(std::string(edge["operator_note"].GetString()) ==
        "operator can read, runtime identity cannot");
  CHECK(edge["assumptions"].Size() == 1);
  CHECK_FALSE(edge.HasMember("ignored"));

  const auto& ok = document["edges"][2];
  CHECK(std::string(ok["verdict"].GetString()) == "ok");
  CHECK_FALSE(ok.HasMember("layer"));
  CHECK_FALSE(ok.HasMember("provider_error"));
  CHECK_FALSE(ok.HasMember("fix"));

  const auto& ignored = document["edges"][1];
  CHECK(std::string(ignored["ignored"]["reason"].GetString()) == "retired in Q1");
}

TEST_CASE("json report sorts edges by location", "[report]") {
  RunReport run;
  run.results = {make_result("b.yaml", 1, 1, Verdict::kOk), make_result("a.yaml", 10, 2, Verdict::kOk),
                 make_result("a.yaml", 2, 9, Verdict::kOk), make_result("a.yaml", 10, 1, Verdict::kOk)};
  rapidjson::Document document = parse(sp::report::render_json_report(run));
  const auto& edges = document["edges"];
  REQUIRE(edges.Size() == 4);
  auto position = [&](rapidjson::SizeType i) {
    const auto& reference = edges[i]["reference"];
    return std::string(reference["file"].GetString()) + ":" +
           std::to_string(reference["line"].GetInt()) + ":" +
           std::to_string(reference["column"].GetInt());
  };
  CHECK(position(0) == "a.yaml:2:9");
  CHECK(position(1) == "a.yaml:10:1");
  CHECK(position(2) == "a.yaml:10:2");
  CHECK(position(3) == "b.yaml:1:1");
}

TEST_CASE("json report round trip", "[report]") {
  RunReport original = sample_run();
  std::string path = temporary_dir() + "/report.json";
  sp::report::write_json_report(path, original);
  RunReport read = sp::report::read_report(path);

  CHECK(read.mode == original.mode);
  CHECK(read.started_at == original.started_at);
  CHECK(read.finished_at == original.finished_at);
  CHECK(read.passed_gate == original.passed_gate);
  CHECK(read.notices == original.notices);
  REQUIRE(read.diagnostics.size() == 1);
  CHECK(read.diagnostics[0].message == original.diagnostics[0].message);
  CHECK(read.diagnostics[0].severity == sp::Diagnostic::Severity::kWarning);
  CHECK(read.diagnostics[0].location.column == 3);

  REQUIRE(read.results.size() == 4);
  // Rendering what was read gives the same document.
  CHECK(sp::report::render_json_report(read) == sp::report::render_json_report(original));

  const EdgeResult& denied = read.results[3];
  CHECK(denied.verdict == Verdict::kDenied);
  CHECK(denied.layer == Layer::kIdentityPolicy);
  REQUIRE(denied.provider_error);
  CHECK(denied.provider_error->code == "AccessDeniedException");
  CHECK(denied.provider_error->http_status == 400);
  CHECK(denied.edge.secret.json_key == "api_key");
  CHECK(denied.simulated);
  CHECK_FALSE(read.results[0].simulated);
  CHECK(denied.edge.identity.chain.size() == 2);
  CHECK(denied.edge.assumptions.size() == 1);
  REQUIRE(read.results[1].ignored_reason);
  CHECK(*read.results[1].ignored_reason == "retired in Q1");
  CHECK(read.results[0].edge.unresolved_reason == "ServiceAccount shop/orders-api not found");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST_CASE("json report reader rejects bad input", "[report]") {
  CHECK_THROWS_WITH(sp::report::parse_json_report("{", "r.json"),
                    Catch::StartsWith("r.json: invalid JSON at offset 1: "));
  CHECK_THROWS_WITH(sp::report::parse_json_report(R"({"schema": "other/v9"})", "r.json"),
                    "r.json: unsupported report schema \"other/v9\"; this version reads "
                    "\"secret-preflight/report/v1\"");

  std::string text = sp::report::render_json_report(sample_run());
  std::string broken = text;
  broken.replace(broken.find("\"line\": 27"), 10, "\"line\": \"27\"");
  CHECK_THROWS_WITH(sp::report::parse_json_report(broken, "r.json"),
                    "r.json: invalid report: \"edges[3].reference.line\" must be a whole number of 0 or more");
  std::string negative = text;
  negative.replace(negative.find("\"line\": 27"), 10, "\"line\": -27");
  CHECK_THROWS_WITH(sp::report::parse_json_report(negative, "r.json"),
                    "r.json: invalid report: \"edges[3].reference.line\" must be a whole number of 0 or more");
  CHECK_THROWS_WITH(sp::report::parse_json_report("[1, 2, 3]", "r.json"),
                    "r.json: invalid report: the document must be an object");
  // Deep nesting is parsed without recursion, so it fails as a wrong shape
  // instead of overflowing the stack.
  std::string deep = std::string(200000, '[') + std::string(200000, ']');
  CHECK_THROWS_WITH(sp::report::parse_json_report(deep, "r.json"),
                    "r.json: invalid report: the document must be an object");
  CHECK_THROWS_WITH(sp::report::read_report("/nonexistent/report.json"),
                    "failed to open report \"/nonexistent/report.json\"");
}

TEST_CASE("json report write keeps old file on failure", "[report]") {
  std::string dir = temporary_dir();
  std::string path = dir + "/report.json";
  sp::report::write_json_report(path, sample_run());
  std::string before;
  {
    std::ifstream file(path);
    std::stringstream content;
    content << file.rdbuf();
    before = content.str();
  }
  // A path whose folder does not exist fails before anything is renamed.
  CHECK_THROWS_AS(sp::report::write_json_report(dir + "/missing/report.json", sample_run()),
                  sp::report::ReportError);
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  CHECK(content.str() == before);

  // Renaming over a folder fails after the temporary file was written.
  std::filesystem::create_directory(dir + "/folder");
  CHECK_THROWS_WITH(sp::report::write_json_report(dir + "/folder", sample_run()),
                    Catch::StartsWith("failed to write \"" + dir + "/folder\": "));

  int files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 2);  // report.json and folder, no temporary file
  std::filesystem::remove_all(dir);
}
