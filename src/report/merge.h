// Combining the reports of a sharded run (`check --shard I/N` in each job of
// a CI matrix) into the report of the whole plan.
#pragma once

#include <string>
#include <vector>

#include "report/atomic_file.h"
#include "report/run.h"

namespace sp::report {

/// One shard's report and the file it was read from, for messages.
struct ShardReport {
  std::string path;
  RunReport run;
};

struct MergeOptions {
  /// Merge even when some shards' reports are missing: the merged report
  /// then names them in `merge.missing_shards` and in a notice.
  bool allow_partial = false;
};

/// Returns the notice a shard's run carries, e.g. "This report covers shard
/// 2 of 3: 4 of the plan's 9 edges. ...". `merge` removes it again, so each
/// report's notices stay true.
std::string shard_notice(const ShardInfo& shard, size_t shard_edges);

/// Returns the notice a changed-only run carries, naming the edges it skipped.
std::string changed_only_notice(const ChangedOnlyInfo& changed);

/// Combines shard reports into one report of the whole plan: results sorted
/// by file, line and column, diagnostics and notices without repeats, and
/// `merge` set. `passed_gate` is left for the caller to compute with its
/// gate. Throws ReportError naming the file and the problem when a report is
/// not a shard report, comes from another partition or plan, repeats a shard
/// or an edge, when the modes or changed-only settings differ, when the edge
/// counts do not add up to the plan, or when a shard is missing and
/// `allow_partial` is false.
RunReport merge_shard_reports(const std::vector<ShardReport>& reports,
                              const MergeOptions& options);

}  // namespace sp::report
