// Finding manifest files under a repository root.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"

namespace sp::manifest {

/// Returns the `*.yaml`, `*.yml` and `*.json` files under `root`, relative to
/// it with `/` separators, sorted. `paths` (relative to `root`) narrows the
/// walk to those files and folders; empty means the whole root. An explicit
/// file is returned whatever its extension.
///
/// Skips version-control, dependency and build folders (`.git`,
/// `node_modules`, `build`, `build-*`, `cmake-build-*`, ...), symlinked
/// folders, and symlinks whose target lies outside `root`. Skips the
/// `templates/` folder of an unrendered Helm chart (a `Chart.yaml` beside a
/// `templates/` folder) with a warning, and reports a missing path as an
/// error.
std::vector<std::string> discover_manifest_files(const std::string& root,
                                                 const std::vector<std::string>& paths,
                                                 std::vector<Diagnostic>& diagnostics);

}  // namespace sp::manifest
