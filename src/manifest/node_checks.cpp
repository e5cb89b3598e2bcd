#include "manifest/node_checks.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace sp::manifest {
namespace {

using Severity = Diagnostic::Severity;
// yaml-cpp gives an alias the node of its anchor, and with it the anchor's
// mark, so a mark identifies a shared collection.
using MarkKey = std::pair<int, int>;

MarkKey mark_key(const YAML::Node& node) { return {node.Mark().line, node.Mark().column}; }

// Walks each mapping and sequence once; skipping marks already seen keeps a
// nested alias bomb linear in the file's size.
void check_duplicate_keys_once(const Document& document, const YAML::Node& node,
                               std::set<MarkKey>& visited, std::vector<Diagnostic>& diagnostics) {
  if (!node || !(node.IsSequence() || node.IsMap())) return;
  if (!visited.insert(mark_key(node)).second) return;
  if (node.IsSequence()) {
    for (const auto& item : node) check_duplicate_keys_once(document, item, visited, diagnostics);
    return;
  }
  std::map<std::string, SourceLocation> seen;
  for (const auto& entry : node) {
    if (entry.first.IsScalar()) {
      SourceLocation location = document.locate(entry.first);
      auto [first, inserted] = seen.emplace(entry.first.Scalar(), location);
      if (!inserted) {
        diagnostics.push_back(make_diagnostic(
            Severity::kError, *document.file, location,
            "duplicate key \"" + entry.first.Scalar() + "\" (first at line " +
                std::to_string(first->second.line) + ", again at line " +
                std::to_string(location.line) +
                "); tools disagree on which value wins, so remove or merge one of them"));
      }
    }
    check_duplicate_keys_once(document, entry.second, visited, diagnostics);
  }
}

class ExpansionCounter {
 public:
  explicit ExpansionCounter(std::uint64_t max_nodes) : max_nodes_(max_nodes) {}

  // Returns the number of nodes `node` expands to, capped just above the
  // maximum. Records the first collection over the maximum whose children
  // all stay under it.
  std::uint64_t count(const YAML::Node& node) {
    if (!node || !(node.IsSequence() || node.IsMap())) return 1;
    MarkKey key = mark_key(node);
    if (auto found = counted_.find(key); found != counted_.end()) return found->second;
    std::uint64_t total = 1;
    for (const auto& entry : node) {
      if (node.IsMap()) {
        total += count(entry.first) + count(entry.second);
      } else {
        total += count(entry);
      }
      if (total > max_nodes_) total = max_nodes_ + 1;
    }
    if (total > max_nodes_ && !over_limit_) over_limit_.emplace(node);
    counted_.emplace(key, total);
    return total;
  }

  const std::optional<YAML::Node>& over_limit() const { return over_limit_; }

 private:
  std::uint64_t max_nodes_;
  std::map<MarkKey, std::uint64_t> counted_;
  std::optional<YAML::Node> over_limit_;
};

}  // namespace

void check_duplicate_keys(const Document& document, const YAML::Node& node,
                          std::vector<Diagnostic>& diagnostics) {
  std::set<MarkKey> visited;
  check_duplicate_keys_once(document, node, visited, diagnostics);
}

bool check_alias_expansion(const Document& document, std::vector<Diagnostic>& diagnostics,
                           std::uint64_t max_nodes) {
  ExpansionCounter counter(max_nodes);
  if (counter.count(document.root) <= max_nodes) return true;
  diagnostics.push_back(make_diagnostic(
      Severity::kError, *document.file, document.locate(*counter.over_limit()),
      "YAML aliases expand this collection to more than " + std::to_string(max_nodes) +
          " nodes (an alias bomb); the document is skipped. Replace the aliases with the "
          "values they stand for"));
  return false;
}

}  // namespace sp::manifest
