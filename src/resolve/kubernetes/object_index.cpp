#include "resolve/kubernetes/object_index.h"

#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {

bool is_cluster_scoped(const std::string& kind) {
  return kind == "ClusterSecretStore" || kind == "ClusterExternalSecret" || kind == "Namespace" ||
         kind == "ClusterRole" || kind == "ClusterRoleBinding" ||
         kind == "CustomResourceDefinition";
}

std::string KubeObject::display() const {
  if (kubernetes_namespace.empty()) return kind + " " + name;
  return kind + " " + kubernetes_namespace + "/" + name;
}

std::string KubeObject::namespace_assumption() const {
  if (!namespace_assumed) return "";
  return "namespace \"" + kubernetes_namespace + "\" assumed for " + kind + " " + name +
         " (no metadata.namespace; from kubernetes.default_namespace)";
}

ObjectIndex::ObjectIndex(const std::vector<manifest::Document>& documents,
                         const std::string& default_namespace) {
  for (const auto& document : documents) {
    if (document.format != manifest::DocumentFormat::kKubernetes) continue;
    KubeObject object;
    object.document = &document;
    object.kind = util::child_text(document.root, "kind");
    object.api_version = util::child_text(document.root, "apiVersion");
    YAML::Node metadata = util::child(document.root, "metadata");
    object.name = util::child_text(metadata, "name");
    if (!is_cluster_scoped(object.kind)) {
      object.kubernetes_namespace = util::child_text(metadata, "namespace");
      if (object.kubernetes_namespace.empty()) {
        object.kubernetes_namespace = default_namespace;
        object.namespace_assumed = true;
      }
    }
    objects_.push_back(std::move(object));
  }
  for (size_t i = 0; i < objects_.size(); ++i) {
    const KubeObject& object = objects_[i];
    by_key_.emplace(std::make_tuple(object.kind, object.kubernetes_namespace, object.name), i);
  }
}

const KubeObject* ObjectIndex::find(const std::string& kind,
                                    const std::string& kubernetes_namespace,
                                    const std::string& name) const {
  std::string scope = is_cluster_scoped(kind) ? "" : kubernetes_namespace;
  auto found = by_key_.find(std::make_tuple(kind, scope, name));
  return found == by_key_.end() ? nullptr : &objects_[found->second];
}

}  // namespace sp::resolve::kubernetes
