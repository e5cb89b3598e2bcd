// One finished run of `check` or `plan`: the results every reporter reads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"

namespace sp::report {

/// The part of a plan that one sharded run (`check --shard I/N`) covered.
struct ShardInfo {
  /// 1-based shard index and number of shards.
  int index = 1;
  int count = 1;
  /// Edges in the whole plan that was partitioned, over all shards.
  int plan_edges = 0;
  /// plan::plan_digest() of that whole plan; shards of one plan share it.
  std::string plan_digest;
};

/// The shards a merged report (`secret-preflight merge`) combines.
struct MergeInfo {
  /// Number of shards the plan was partitioned into.
  int shard_count = 0;
  /// Indexes of the shards whose reports were merged, and of those missing
  /// (only with --allow-partial), both ascending.
  std::vector<int> merged_shards;
  std::vector<int> missing_shards;
  int plan_edges = 0;
  std::string plan_digest;
};

/// The edges a changed-only run (`--changed-since REF`) left out, and why.
struct ChangedOnlyInfo {
  /// The git revision the changes were taken from, as given.
  std::string since;
  /// Files that changed since the merge base of `since` and HEAD.
  int changed_files = 0;
  /// True when the config file changed, so every edge was kept.
  bool config_changed = false;
  /// Edges in the full plan, and those left out because none of their files
  /// changed.
  int plan_edges = 0;
  int skipped_edges = 0;
};

struct RunReport {
  /// "check" or "plan".
  std::string mode;
  /// ISO-8601 UTC timestamps, e.g. "2026-12-04T10:00:00Z".
  std::string started_at;
  std::string finished_at;
  std::vector<EdgeResult> results;
  std::vector<Diagnostic> diagnostics;
  /// Run-level remarks for the reader, e.g. an ignore rule that expired.
  std::vector<std::string> notices;
  bool passed_gate = true;
  /// Set on a run of one shard.
  std::optional<ShardInfo> shard;
  /// Set on a report made by merging shard reports.
  std::optional<MergeInfo> merge;
  /// Set on a run that checked only edges whose files changed.
  std::optional<ChangedOnlyInfo> changed_only;
};

/// Sorts results by reference file, line and column. Ties are broken by
/// secret id, principal and operation, so equal input gives equal order.
void sort_results(std::vector<EdgeResult>& results);

/// Returns the number of results per verdict, with every verdict present.
std::map<Verdict, int> count_verdicts(const std::vector<EdgeResult>& results);

/// Returns true when `diagnostics` contains an error.
bool has_errors(const std::vector<Diagnostic>& diagnostics);

/// Returns true for a result that carries no verdict: a resolved edge in a
/// plan, which nothing probed. Only `unresolved` is decided without a probe.
bool is_unprobed(const RunReport& run, const EdgeResult& result);

/// Returns the results that carry a verdict (all of them in a check).
std::vector<EdgeResult> probed_results(const RunReport& run);

/// Returns the current time as ISO-8601 UTC with second precision.
std::string now_utc();

}  // namespace sp::report
