// Shared harness for resolver tests: load inline manifests and resolve them,
// so each manifest kind gets tests by adding cases.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "manifest/load.h"
#include "resolve/kinds.h"
#include "resolve/resolve.h"

namespace sp::test {

using ManifestFiles = std::vector<std::pair<std::string, std::string>>;

/// Loads each (path, text) pair and resolves them together. Documents pass
/// the same kind filter as in resolve_repository(), so a resolver test fails
/// when the filter drops a kind the resolver reads; the filter's own
/// warnings are left out of the result.
inline resolve::ResolveResult resolve_files(const ManifestFiles& files,
                                            const config::Config& config = {}) {
  resolve::ResolveResult result;
  std::vector<manifest::Document> documents;
  std::vector<Diagnostic> filter_warnings;
  resolve::DocumentFilter filter(filter_warnings);
  manifest::LoadOptions options;
  options.keep = [&filter](const manifest::Document& document) { return filter.keep(document); };
  for (const auto& [path, text] : files) {
    auto loaded = manifest::load_manifest_text(path, text, result.diagnostics, options);
    documents.insert(documents.end(), loaded.begin(), loaded.end());
  }
  resolve::resolve_documents(documents, config, result);
  return result;
}

/// Returns the chain as "step@line" strings, for one-line comparisons.
inline std::vector<std::string> chain_steps(const PermissionEdge& edge) {
  std::vector<std::string> steps;
  for (const auto& step : edge.identity.chain)
    steps.push_back(step.step + "@" + std::to_string(step.location.line));
  return steps;
}

}  // namespace sp::test
