#include "util/yaml_node.h"

namespace sp::util {

YAML::Node child(const YAML::Node& node, std::string_view key) {
  if (!node || !node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  // Iterating instead of operator[] keeps the first of duplicate keys and
  // never inserts; duplicates are reported by the loader.
  for (const auto& entry : node) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string scalar_text(const YAML::Node& node) {
  if (!node || !node.IsScalar()) return "";
  return node.Scalar();
}

std::string child_text(const YAML::Node& node, std::string_view key) {
  return scalar_text(child(node, key));
}

bool has_text(const YAML::Node& node) { return node && node.IsScalar() && !node.Scalar().empty(); }

}  // namespace sp::util
