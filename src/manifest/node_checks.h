// Checks on a parsed manifest document's nodes: duplicate keys and alias
// expansion.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model.h"
#include "manifest/document.h"

namespace sp::manifest {

/// Maximum nodes one document may expand to once every alias is replaced by
/// its anchor's content. The Kubernetes API server takes request bodies of
/// at most 3 MiB by default (MaxRequestBodyBytes in k8s.io/apiserver's
/// server config). As JSON, such a body has far fewer nodes, so only an
/// alias bomb ("billion laughs") reaches this limit.
constexpr std::uint64_t kMaxExpandedNodes = 1'000'000;

/// Adds an error for every mapping under `node` that repeats a key, at the
/// repeated key. Each shared (aliased) node is walked once.
void check_duplicate_keys(const Document& document, const YAML::Node& node,
                          std::vector<Diagnostic>& diagnostics);

/// Returns false, after adding an error, when `document` expands to more
/// than `max_nodes` nodes through aliases. The error points at the smallest
/// collection whose expansion exceeds the limit. Runs in time linear in the
/// parsed size, because yaml-cpp shares an anchor's node with its aliases.
bool check_alias_expansion(const Document& document, std::vector<Diagnostic>& diagnostics,
                           std::uint64_t max_nodes = kMaxExpandedNodes);

}  // namespace sp::manifest
