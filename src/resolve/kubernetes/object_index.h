// Kubernetes objects of all scanned manifests, keyed by kind, namespace and
// name, so resolvers join objects only inside one namespace.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "manifest/document.h"

namespace sp::resolve::kubernetes {

struct KubeObject {
  const manifest::Document* document = nullptr;
  std::string kind;
  std::string api_version;
  std::string name;
  /// metadata.namespace, or the configured default when absent; empty for
  /// cluster-scoped kinds.
  std::string kubernetes_namespace;
  bool namespace_assumed = false;

  YAML::Node node() const { return document->root; }
  /// "Deployment shop/orders", or "ClusterSecretStore shared" when cluster-scoped.
  std::string display() const;
  /// The assumption to record when the namespace was defaulted; empty otherwise.
  std::string namespace_assumption() const;
};

class ObjectIndex {
 public:
  /// Indexes every Kubernetes document of `documents`, which must outlive
  /// the index. Objects without metadata.namespace get `default_namespace`.
  ObjectIndex(const std::vector<manifest::Document>& documents,
              const std::string& default_namespace);

  /// Returns the object, or nullptr when it is not in the scanned manifests.
  /// `kubernetes_namespace` is ignored for cluster-scoped kinds.
  const KubeObject* find(const std::string& kind, const std::string& kubernetes_namespace,
                         const std::string& name) const;

  const std::vector<KubeObject>& objects() const { return objects_; }

 private:
  std::vector<KubeObject> objects_;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> by_key_;
};

/// True for kinds that have no namespace (ClusterSecretStore, Namespace, ...).
bool is_cluster_scoped(const std::string& kind);

}  // namespace sp::resolve::kubernetes
