// Read-only helpers over yaml-cpp nodes that tolerate missing and mistyped
// fields, so callers can walk untrusted manifests without exceptions.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace sp::util {

/// Returns `node[key]` when `node` is a map that has `key`, else an undefined
/// node (which converts to false). Never inserts into `node`.
YAML::Node child(const YAML::Node& node, std::string_view key);

/// Returns the scalar text of `node`, or empty when it is missing, null or
/// not a scalar.
std::string scalar_text(const YAML::Node& node);

/// Returns the scalar text of `node[key]`; empty as for scalar_text().
std::string child_text(const YAML::Node& node, std::string_view key);

/// True when `node` is a scalar with non-empty text.
bool has_text(const YAML::Node& node);

}  // namespace sp::util
