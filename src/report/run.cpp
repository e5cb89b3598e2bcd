#include "report/run.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <tuple>

namespace sp::report {

void sort_results(std::vector<EdgeResult>& results) {
  auto key = [](const EdgeResult& result) {
    const PermissionEdge& edge = result.edge;
    return std::tie(edge.reference.location.file, edge.reference.location.line,
                    edge.reference.location.column, edge.secret.id, edge.identity.principal,
                    edge.operation);
  };
  std::stable_sort(results.begin(), results.end(),
                   [&](const EdgeResult& a, const EdgeResult& b) { return key(a) < key(b); });
}

std::map<Verdict, int> count_verdicts(const std::vector<EdgeResult>& results) {
  std::map<Verdict, int> counts;
  for (Verdict verdict : all_verdicts()) counts[verdict] = 0;
  for (const EdgeResult& result : results) ++counts[result.verdict];
  return counts;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& diagnostic) {
    return diagnostic.severity == Diagnostic::Severity::kError;
  });
}

std::string now_utc() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

bool is_unprobed(const RunReport& run, const EdgeResult& result) {
  return run.mode == "plan" && result.verdict != Verdict::kUnresolved;
}

std::vector<EdgeResult> probed_results(const RunReport& run) {
  std::vector<EdgeResult> results;
  for (const EdgeResult& result : run.results)
    if (!is_unprobed(run, result)) results.push_back(result);
  return results;
}

}  // namespace sp::report
