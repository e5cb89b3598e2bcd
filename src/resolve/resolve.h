// Turns manifests into permission edges: for every secret reference, the
// secret as the platform names it and the runtime identity that reads it.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/model.h"
#include "manifest/document.h"
#include "manifest/load.h"

namespace sp::resolve {

struct ResolveResult {
  std::vector<PermissionEdge> edges;
  std::vector<Diagnostic> diagnostics;
  /// Number of files that contained at least one manifest.
  size_t manifest_files = 0;
};

/// Loads the manifests under `root` (only `paths`, relative to `root`, when
/// non-empty) and resolves their secret references. The kinds are ECS task
/// definitions, Cloud Run services and jobs, Secrets Store CSI objects
/// (providers aws, gcp and azure) and External Secrets entries (providers
/// aws, gcpsm and azurekv).
/// Edges come in manifest order; build_plan() sorts them. Input problems
/// are diagnostics; an edge whose identity or secret the manifests do not
/// determine carries `unresolved_reason`. Documents of kinds no resolver
/// reads are dropped as they load; `load_options.keep` is replaced.
ResolveResult resolve_repository(const std::string& root, const std::vector<std::string>& paths,
                                 const config::Config& config,
                                 const manifest::LoadOptions& load_options = {});

/// Resolves already loaded documents (the seam for tests), appending to
/// `result`.
void resolve_documents(const std::vector<manifest::Document>& documents,
                       const config::Config& config, ResolveResult& result);

}  // namespace sp::resolve
