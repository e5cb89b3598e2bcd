// One finished run of `check` or `plan`: the results every reporter reads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/model.h"

namespace sp::report {

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
