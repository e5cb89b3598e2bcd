// Loading manifest files into documents: YAML streams and ECS task
// definition JSON, with file, line and column kept for every node.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"
#include "manifest/document.h"

namespace sp::manifest {

/// Parses `text`, the content of repository file `path`, into manifest
/// documents: Kubernetes objects (each item of a `List` or `*List` on its
/// own) and ECS task definitions (bare, wrapped in `{"taskDefinition": ...}`
/// as `describe-task-definition` writes, or in arrays of either). Documents
/// that are neither, and empty documents, are dropped without a diagnostic.
/// A document that fails to parse adds an error with its position, and the
/// other documents still load. A duplicate mapping key adds an error naming
/// both lines.
std::vector<Document> load_manifest_text(const std::string& path, const std::string& text,
                                         std::vector<Diagnostic>& diagnostics);

/// Reads `root`/`path` and calls load_manifest_text(). An unreadable file
/// adds an error.
std::vector<Document> load_manifest_file(const std::string& root, const std::string& path,
                                         std::vector<Diagnostic>& diagnostics);

/// Adds an error for every mapping under `node` that repeats a key.
void check_duplicate_keys(const Document& document, const YAML::Node& node,
                          std::vector<Diagnostic>& diagnostics);

}  // namespace sp::manifest
