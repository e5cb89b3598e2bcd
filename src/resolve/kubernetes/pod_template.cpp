#include "resolve/kubernetes/pod_template.h"

#include <array>
#include <string_view>

#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

using util::child;

constexpr std::array<std::string_view, 4> kSelectorWorkloads = {"Deployment", "StatefulSet",
                                                                "DaemonSet", "ReplicaSet"};

bool needs_selector(const std::string& kind) {
  for (auto workload : kSelectorWorkloads)
    if (kind == workload) return true;
  return false;
}

// Returns the node that contains the pod's `spec` and `metadata`, per kind.
YAML::Node pod_holder(const KubeObject& object) {
  const YAML::Node root = object.node();
  const std::string& kind = object.kind;
  if (kind == "Pod") return root;
  if (kind == "PodTemplate") return child(root, "template");
  if (kind == "CronJob")
    return child(child(child(child(root, "spec"), "jobTemplate"), "spec"), "template");
  if (needs_selector(kind) || kind == "ReplicationController" || kind == "Job")
    return child(child(root, "spec"), "template");
  return YAML::Node(YAML::NodeType::Undefined);
}

}  // namespace

std::optional<PodTemplate> find_pod_template(const KubeObject& object) {
  YAML::Node holder = pod_holder(object);
  YAML::Node spec = child(holder, "spec");
  if (!spec.IsMap()) return std::nullopt;
  PodTemplate pod;
  pod.owner = &object;
  pod.spec = spec;
  pod.metadata = child(holder, "metadata");
  YAML::Node name = child(spec, "serviceAccountName");
  if (!util::has_text(name)) name = child(spec, "serviceAccount");
  if (util::has_text(name)) {
    pod.service_account = name.Scalar();
  } else {
    pod.service_account = "default";
    pod.service_account_defaulted = true;
  }
  return pod;
}

bool is_kustomize_patch(const KubeObject& object) {
  return needs_selector(object.kind) &&
         !child(child(object.node(), "spec"), "selector").IsDefined();
}

}  // namespace sp::resolve::kubernetes
