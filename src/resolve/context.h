// State shared by the per-kind resolvers: the config, and where edges and
// diagnostics go.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/model.h"
#include "manifest/document.h"

namespace sp::resolve {

struct ResolveContext {
  const config::Config& config;
  std::vector<PermissionEdge>& edges;
  std::vector<Diagnostic>& diagnostics;

  /// Adds an input error at `node` of `document`.
  void error(const manifest::Document& document, const YAML::Node& node, std::string message);
  void warning(const manifest::Document& document, const YAML::Node& node, std::string message);
};

/// Returns a chain step named `step` at `node`'s position.
ChainStep make_step(const manifest::Document& document, const YAML::Node& node, std::string step);

/// Returns a reference of `kind` at `node`, the value that names the secret.
SecretReference make_reference(const manifest::Document& document, const YAML::Node& node,
                               std::string kind, std::string path);

/// Returns the `unresolved_reason` for a value that still contains
/// `placeholder`, naming the field.
std::string placeholder_reason(const std::string& field, const std::string& value,
                               const std::string& placeholder);

/// Adds the Helm `# Source:` comment of `document` to `edge`'s assumptions,
/// so a rendered object points back at the template a reviewer edits.
void note_helm_source(const manifest::Document& document, PermissionEdge& edge);

}  // namespace sp::resolve
