// Pod templates of workload kinds: the path of each kind's pod spec, and the
// ServiceAccount the pod runs as.
#pragma once

#include <optional>
#include <string>

#include "resolve/kubernetes/object_index.h"

namespace sp::resolve::kubernetes {

struct PodTemplate {
  const KubeObject* owner = nullptr;
  YAML::Node spec;
  YAML::Node metadata;
  /// serviceAccountName, else the deprecated serviceAccount, else "default",
  /// as the API server's v1 conversion and ServiceAccount admission apply it.
  std::string service_account;
  /// True when neither field names a ServiceAccount, so "default" applies.
  bool service_account_defaulted = false;
};

/// Returns the pod template of a Pod, Deployment, StatefulSet, DaemonSet,
/// ReplicaSet, ReplicationController, Job, CronJob or PodTemplate, or nullopt
/// for other kinds and for objects without a pod spec.
std::optional<PodTemplate> find_pod_template(const KubeObject& object);

/// True for a Deployment, StatefulSet, DaemonSet or ReplicaSet without
/// spec.selector: a kustomize patch, meaningful only merged with its base.
bool is_kustomize_patch(const KubeObject& object);

}  // namespace sp::resolve::kubernetes
