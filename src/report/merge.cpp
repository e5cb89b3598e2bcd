#include "report/merge.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace sp::report {
namespace {

std::string plural(size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string join(const std::vector<int>& values) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += i + 1 == values.size() ? " and " : ", ";
    text += std::to_string(values[i]);
  }
  return text;
}

std::string shard_name(const ShardInfo& shard) {
  return std::to_string(shard.index) + "/" + std::to_string(shard.count);
}

// The fields that tell two edges of one plan apart.
std::string edge_identity(const EdgeResult& result) {
  const PermissionEdge& edge = result.edge;
  return edge.reference.location.file + '\n' + std::to_string(edge.reference.location.line) +
         '\n' + std::to_string(edge.reference.location.column) + '\n' + edge.reference.path +
         '\n' + edge.secret.id + '\n' + edge.identity.principal + '\n' + edge.operation;
}

std::string edge_label(const EdgeResult& result) {
  const SourceLocation& location = result.edge.reference.location;
  return location.file + ":" + std::to_string(location.line) + ":" +
         std::to_string(location.column) + " (" + result.edge.secret.id + ")";
}

bool same_changed_only(const std::optional<ChangedOnlyInfo>& a,
                       const std::optional<ChangedOnlyInfo>& b) {
  if (!a || !b) return !a && !b;
  return std::tie(a->since, a->changed_files, a->config_changed, a->plan_edges,
                  a->skipped_edges) ==
         std::tie(b->since, b->changed_files, b->config_changed, b->plan_edges, b->skipped_edges);
}

// Checks that `report` is a shard of the same partition and plan as `first`.
void check_same_partition(const ShardReport& report, const ShardReport& first) {
  const ShardInfo& shard = *report.run.shard;
  const ShardInfo& reference = *first.run.shard;
  if (shard.count != reference.count)
    throw ReportError(report.path + ": shard " + shard_name(shard) + " belongs to a partition of " +
                      std::to_string(shard.count) + " shards, but " + first.path + " is shard " +
                      shard_name(reference) + "; merge reports of one --shard I/N matrix only");
  if (shard.plan_digest != reference.plan_digest || shard.plan_edges != reference.plan_edges)
    throw ReportError(report.path + ": comes from another plan than " + first.path + " (plan " +
                      shard.plan_digest + " with " + plural(shard.plan_edges, "edge") +
                      ", not " + reference.plan_digest + " with " +
                      plural(reference.plan_edges, "edge") +
                      "); run every shard on the same commit with the same paths and config");
  if (report.run.mode != first.run.mode)
    throw ReportError(report.path + ": mode \"" + report.run.mode + "\" differs from \"" +
                      first.run.mode + "\" in " + first.path +
                      "; a shard that had no OIDC token reported only its plan, so rerun it with "
                      "id-token: write");
  if (!same_changed_only(report.run.changed_only, first.run.changed_only))
    throw ReportError(report.path + ": its --changed-since setting or changed files differ from " +
                      first.path + "; give every shard the same --changed-since");
}

// Checks a single report on its own: a shard report, not yet merged.
void check_shard_report(const ShardReport& report) {
  if (report.run.merge)
    throw ReportError(report.path + ": already a merged report; merge the shard reports instead");
  if (!report.run.shard)
    throw ReportError(report.path + ": not a shard report: it has no \"shard\" field; write shard "
                      "reports with check --shard I/N --report FILE");
  const ShardInfo& shard = *report.run.shard;
  // 256 is the most jobs a GitHub Actions matrix runs, and check --shard's limit.
  if (shard.count < 1 || shard.count > 256 || shard.index < 1 || shard.index > shard.count)
    throw ReportError(report.path + ": invalid report: shard " + shard_name(shard) +
                      " is out of range; expected 1 <= index <= count <= 256");
}

// Appends `items` to `target`, leaving out those already present.
template <typename T, typename Key>
void append_unique(std::vector<T>& target, const std::vector<T>& items, std::set<Key>& seen,
                   Key (*key)(const T&)) {
  for (const T& item : items)
    if (seen.insert(key(item)).second) target.push_back(item);
}

std::tuple<std::string, int, int, int, std::string> diagnostic_key(const Diagnostic& d) {
  return {d.location.file, d.location.line, d.location.column, static_cast<int>(d.severity),
          d.message};
}

std::string notice_key(const std::string& notice) { return notice; }

}  // namespace

std::string shard_notice(const ShardInfo& shard, size_t shard_edges) {
  return "This report covers shard " + std::to_string(shard.index) + " of " +
         std::to_string(shard.count) + ": " + std::to_string(shard_edges) + " of the plan's " +
         plural(shard.plan_edges, "edge") +
         ". `secret-preflight merge` combines the shard reports into the report of the whole plan.";
}

std::string changed_only_notice(const ChangedOnlyInfo& changed) {
  if (changed.config_changed)
    return "The config file changed since " + changed.since + ", so every edge was checked.";
  return "Changed-only run: " + plural(changed.skipped_edges, "edge") + " of " +
         std::to_string(changed.plan_edges) + " skipped, because none of their manifests, " +
         "ServiceAccounts or stores changed since " + changed.since + " (" +
         plural(changed.changed_files, "changed file") +
         "). Run without --changed-since to check every edge.";
}

RunReport merge_shard_reports(const std::vector<ShardReport>& reports,
                              const MergeOptions& options) {
  if (reports.empty()) throw ReportError("no shard reports to merge");
  for (const ShardReport& report : reports) check_shard_report(report);
  const ShardReport& first = reports.front();
  std::map<int, const ShardReport*> by_index;
  for (const ShardReport& report : reports) {
    check_same_partition(report, first);
    auto [found, inserted] = by_index.emplace(report.run.shard->index, &report);
    if (!inserted)
      throw ReportError(report.path + ": shard " + shard_name(*report.run.shard) +
                        " was already read from " + found->second->path +
                        "; pass each shard's report once");
  }

  const ShardInfo& partition = *first.run.shard;
  RunReport merged;
  merged.mode = first.run.mode;
  merged.changed_only = first.run.changed_only;
  merged.merge = MergeInfo{partition.count, {}, {}, partition.plan_edges, partition.plan_digest};
  for (int index = 1; index <= partition.count; ++index)
    (by_index.count(index) ? merged.merge->merged_shards : merged.merge->missing_shards)
        .push_back(index);

  std::map<std::string, const ShardReport*> edge_source;
  std::set<std::tuple<std::string, int, int, int, std::string>> seen_diagnostics;
  std::set<std::string> seen_notices;
  for (const auto& [index, report] : by_index) {
    const RunReport& run = report->run;
    for (const EdgeResult& result : run.results) {
      auto [found, inserted] = edge_source.emplace(edge_identity(result), report);
      if (!inserted)
        throw ReportError(report->path + ": edge " + edge_label(result) + " is also in " +
                          found->second->path + "; the reports do not come from one partition");
      merged.results.push_back(result);
    }
    append_unique(merged.diagnostics, run.diagnostics, seen_diagnostics, &diagnostic_key);
    // Each shard's own notice would be false in the merged report.
    std::vector<std::string> notices = run.notices;
    std::erase(notices, shard_notice(*run.shard, run.results.size()));
    append_unique(merged.notices, notices, seen_notices, &notice_key);
    if (merged.started_at.empty() || run.started_at < merged.started_at)
      merged.started_at = run.started_at;
    merged.finished_at = std::max(merged.finished_at, run.finished_at);
  }
  sort_results(merged.results);

  const size_t plan_edges = static_cast<size_t>(std::max(partition.plan_edges, 0));
  const std::vector<int>& missing = merged.merge->missing_shards;
  if (merged.results.size() > plan_edges || (missing.empty() && merged.results.size() != plan_edges))
    throw ReportError("the shard reports hold " + plural(merged.results.size(), "edge") +
                      ", but their plan has " + std::to_string(plan_edges) +
                      "; a report was edited or truncated, so rerun the shards");
  if (!missing.empty()) {
    std::string which = (missing.size() == 1 ? "shard " : "shards ") + join(missing) + " of " +
                        std::to_string(partition.count);
    if (!options.allow_partial)
      throw ReportError("missing the report of " + which +
                        "; pass every shard's report, or --allow-partial to merge the others");
    merged.notices.push_back("Partial merge: the report of " + which + " is missing, so " +
                             std::to_string(plan_edges - merged.results.size()) +
                             " of the plan's " + plural(plan_edges, "edge") +
                             " were not checked.");
  }
  return merged;
}

}  // namespace sp::report
