#include "report/merge.h"

#include <catch2/catch.hpp>

#include "report/gate.h"
#include "report/json_report.h"
#include "report_test_util.h"

using sp::EdgeResult;
using sp::Verdict;
using sp::report::MergeOptions;
using sp::report::ReportError;
using sp::report::RunReport;
using sp::report::ShardInfo;
using sp::report::ShardReport;
using sp::report::testing::make_result;

namespace {

constexpr const char* kDigest = "0123456789abcdef";

// A shard report of a 4-edge plan split into `count` shards.
ShardReport shard_report(int index, int count, std::vector<EdgeResult> results,
                         int plan_edges = 4) {
  ShardReport report;
  report.path = "shard-" + std::to_string(index) + ".json";
  RunReport& run = report.run;
  run.mode = "check";
  run.started_at = "2026-12-04T10:00:0" + std::to_string(index) + "Z";
  run.finished_at = "2026-12-04T10:01:0" + std::to_string(index) + "Z";
  run.results = std::move(results);
  run.shard = ShardInfo{index, count, plan_edges, kDigest};
  run.notices = {sp::report::shard_notice(*run.shard, run.results.size()),
                 "ignore rule 3 expired on 2026-01-01"};
  return report;
}

// Shard 1 contains the edges at a.json lines 2 and 10, shard 2 the other two.
std::vector<ShardReport> complete_reports() {
  return {shard_report(2, 2, {make_result("b.json", 5, 3, Verdict::kNotFound, "shop/b"),
                              make_result("a.json", 20, 3, Verdict::kOk, "shop/c")}),
          shard_report(1, 2, {make_result("a.json", 10, 3, Verdict::kOk, "shop/a"),
                              make_result("a.json", 2, 3, Verdict::kDenied, "shop/d")})};
}

std::string merge_error(const std::vector<ShardReport>& reports, MergeOptions options = {}) {
  try {
    sp::report::merge_shard_reports(reports, options);
  } catch (const ReportError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("Merge combines shards in file order", "[report][merge]") {
  RunReport merged = sp::report::merge_shard_reports(complete_reports(), {});
  REQUIRE(merged.results.size() == 4);
  CHECK(merged.results[0].edge.reference.location.line == 2);
  CHECK(merged.results[1].edge.reference.location.line == 10);
  CHECK(merged.results[2].edge.reference.location.line == 20);
  CHECK(merged.results[3].edge.reference.location.file == "b.json");
  CHECK(merged.mode == "check");
  CHECK(merged.started_at == "2026-12-04T10:00:01Z");
  CHECK(merged.finished_at == "2026-12-04T10:01:02Z");
  CHECK_FALSE(merged.shard);
  REQUIRE(merged.merge);
  CHECK(merged.merge->shard_count == 2);
  CHECK(merged.merge->merged_shards == std::vector<int>{1, 2});
  CHECK(merged.merge->missing_shards.empty());
  CHECK(merged.merge->plan_edges == 4);
  CHECK(merged.merge->plan_digest == kDigest);
}

TEST_CASE("Merge drops shard notices and repeats", "[report][merge]") {
  RunReport merged = sp::report::merge_shard_reports(complete_reports(), {});
  CHECK(merged.notices == std::vector<std::string>{"ignore rule 3 expired on 2026-01-01"});
}

TEST_CASE("Merge keeps each diagnostic once", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  sp::Diagnostic diagnostic;
  diagnostic.location = {"k8s/broken.yaml", 3, 1};
  diagnostic.message = "invalid YAML";
  for (ShardReport& report : reports) report.run.diagnostics.push_back(diagnostic);
  RunReport merged = sp::report::merge_shard_reports(reports, {});
  REQUIRE(merged.diagnostics.size() == 1);
  CHECK(merged.diagnostics[0].message == "invalid YAML");
  // An error diagnostic keeps the merged exit status at 2, as in check.
  CHECK(sp::report::exit_status(sp::report::Gate{}, merged) == 2);
}

TEST_CASE("Merged gate equals the unsharded gate", "[report][merge]") {
  RunReport merged = sp::report::merge_shard_reports(complete_reports(), {});
  RunReport whole;
  whole.mode = "check";
  for (const ShardReport& report : complete_reports())
    for (const EdgeResult& result : report.run.results) whole.results.push_back(result);
  sp::report::Gate gate;
  CHECK(sp::report::passes(gate, merged.results) == sp::report::passes(gate, whole.results));
  CHECK_FALSE(sp::report::passes(gate, merged.results));
  CHECK(sp::report::exit_status(gate, merged) == 1);
  gate.fail_on.clear();
  CHECK(sp::report::exit_status(gate, merged) == 0);
}

TEST_CASE("Merge rejects a missing shard", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.erase(reports.begin());
  CHECK(merge_error(reports) ==
        "missing the report of shard 2 of 2; pass every shard's report, or --allow-partial to "
        "merge the others");
}

TEST_CASE("Merge names every missing shard", "[report][merge]") {
  std::vector<ShardReport> reports = {
      shard_report(2, 4, {make_result("a.json", 1, 1, Verdict::kOk)})};
  CHECK(merge_error(reports) ==
        "missing the report of shards 1, 3 and 4 of 4; pass every shard's report, or "
        "--allow-partial to merge the others");
}

TEST_CASE("Merge with allow-partial notes the gap", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.erase(reports.begin());
  RunReport merged = sp::report::merge_shard_reports(reports, {true});
  CHECK(merged.results.size() == 2);
  REQUIRE(merged.merge);
  CHECK(merged.merge->merged_shards == std::vector<int>{1});
  CHECK(merged.merge->missing_shards == std::vector<int>{2});
  REQUIRE_FALSE(merged.notices.empty());
  CHECK(merged.notices.back() ==
        "Partial merge: the report of shard 2 of 2 is missing, so 2 of the plan's 4 edges were "
        "not checked.");
}

TEST_CASE("Merge rejects a repeated shard", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.push_back(reports.front());
  reports.back().path = "copy.json";
  CHECK(merge_error(reports) ==
        "copy.json: shard 2/2 was already read from shard-2.json; pass each shard's report once");
}

TEST_CASE("Merge rejects another partition", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.back().run.shard->count = 3;
  CHECK(merge_error(reports) ==
        "shard-1.json: shard 1/3 belongs to a partition of 3 shards, but shard-2.json is shard "
        "2/2; merge reports of one --shard I/N matrix only");
}

TEST_CASE("Merge rejects another plan", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.back().run.shard->plan_digest = "ffffffffffffffff";
  CHECK(merge_error(reports) ==
        "shard-1.json: comes from another plan than shard-2.json (plan ffffffffffffffff with 4 "
        "edges, not 0123456789abcdef with 4 edges); run every shard on the same commit with the "
        "same paths and config");
}

TEST_CASE("Merge rejects a report without a shard", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.back().run.shard.reset();
  CHECK(merge_error(reports) ==
        "shard-1.json: not a shard report: it has no \"shard\" field; write shard reports with "
        "check --shard I/N --report FILE");
}

TEST_CASE("Merge rejects a merged report", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.back().run.merge = sp::report::MergeInfo{2, {1, 2}, {}, 4, kDigest};
  CHECK(merge_error(reports) ==
        "shard-1.json: already a merged report; merge the shard reports instead");
}

TEST_CASE("Merge rejects an out-of-range shard", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.back().run.shard->index = 3;
  CHECK(merge_error(reports) ==
        "shard-1.json: invalid report: shard 3/2 is out of range; expected 1 <= index <= count <= 256");

  reports = complete_reports();
  for (ShardReport& report : reports) report.run.shard->count = 257;
  CHECK(merge_error(reports) ==
        "shard-2.json: invalid report: shard 2/257 is out of range; expected 1 <= index <= count <= 256");
}

TEST_CASE("Merge rejects mixed modes", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.back().run.mode = "plan";
  CHECK(merge_error(reports).starts_with(
      "shard-1.json: mode \"plan\" differs from \"check\" in shard-2.json;"));
}

TEST_CASE("Merge rejects an edge in two shards", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.back().run.results.push_back(reports.front().run.results.front());
  CHECK(merge_error(reports) ==
        "shard-2.json: edge b.json:5:3 (shop/b) is also in shard-1.json; the reports do not come "
        "from one partition");
}

TEST_CASE("Merge rejects edges that do not add up", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.back().run.results.pop_back();
  CHECK(merge_error(reports) ==
        "the shard reports hold 3 edges, but their plan has 4; a report was edited or truncated, "
        "so rerun the shards");
}

TEST_CASE("Merge rejects differing changed-only runs", "[report][merge]") {
  std::vector<ShardReport> reports = complete_reports();
  reports.front().run.changed_only = sp::report::ChangedOnlyInfo{"origin/main", 2, false, 9, 5};
  CHECK(merge_error(reports) ==
        "shard-1.json: its --changed-since setting or changed files differ from shard-2.json; "
        "give every shard the same --changed-since");
  reports.back().run.changed_only = reports.front().run.changed_only;
  RunReport merged = sp::report::merge_shard_reports(reports, {});
  REQUIRE(merged.changed_only);
  CHECK(merged.changed_only->skipped_edges == 5);
}

TEST_CASE("Merge rejects an empty list", "[report][merge]") {
  CHECK(merge_error({}) == "no shard reports to merge");
}

TEST_CASE("Shard fields survive the JSON report", "[report][merge]") {
  RunReport run = complete_reports().front().run;
  run.changed_only = sp::report::ChangedOnlyInfo{"origin/main", 3, true, 9, 0};
  RunReport read = sp::report::parse_json_report(sp::report::render_json_report(run), "r.json");
  REQUIRE(read.shard);
  CHECK(read.shard->index == 2);
  CHECK(read.shard->count == 2);
  CHECK(read.shard->plan_edges == 4);
  CHECK(read.shard->plan_digest == kDigest);
  REQUIRE(read.changed_only);
  CHECK(read.changed_only->since == "origin/main");
  CHECK(read.changed_only->changed_files == 3);
  CHECK(read.changed_only->config_changed);
  CHECK(read.changed_only->plan_edges == 9);

  RunReport merged = sp::report::merge_shard_reports(complete_reports(), {});
  RunReport merged_read =
      sp::report::parse_json_report(sp::report::render_json_report(merged), "m.json");
  REQUIRE(merged_read.merge);
  CHECK(merged_read.merge->merged_shards == std::vector<int>{1, 2});
  CHECK(merged_read.merge->missing_shards.empty());
}

TEST_CASE("Merge reader rejects a corrupt shard field", "[report][merge]") {
  std::string text = sp::report::render_json_report(complete_reports().front().run);
  std::string corrupt = text;
  corrupt.replace(corrupt.find("\"index\": 2"), 10, "\"index\": \"2\"");
  try {
    sp::report::parse_json_report(corrupt, "shard-2.json");
    FAIL("parsed a report whose shard index is a string");
  } catch (const ReportError& error) {
    CHECK(std::string(error.what()) ==
          "shard-2.json: invalid report: \"shard.index\" must be a whole number of 0 or more");
  }
}

TEST_CASE("Changed-only notice names the skipped edges", "[report][merge]") {
  CHECK(sp::report::changed_only_notice({"origin/main", 2, false, 9, 7}) ==
        "Changed-only run: 7 edges of 9 skipped, because none of their manifests, ServiceAccounts "
        "or stores changed since origin/main (2 changed files). Run without --changed-since to "
        "check every edge.");
  CHECK(sp::report::changed_only_notice({"origin/main", 1, true, 9, 0}) ==
        "The config file changed since origin/main, so every edge was checked.");
}
