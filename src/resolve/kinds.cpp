#include "resolve/kinds.h"

#include <array>
#include <string_view>

#include "util/yaml_node.h"

namespace sp::resolve {
namespace {

struct ResolvedKind {
  std::string_view kind;
  /// API group without the version; empty for the core group (`v1`).
  std::string_view group;
  /// Versions the resolvers were written for.
  std::array<std::string_view, 4> versions;
};

// Every Kubernetes kind a resolver reads. A resolver that reads a new kind
// must add it here: documents of other kinds are dropped as they load.
// Workloads hold pod templates (pod_template.cpp), ServiceAccounts carry
// identities, and the rest are the Secrets Store CSI, External Secrets and
// Cloud Run objects. Old workload versions (`extensions/v1beta1`) are
// listed because their pod templates read the same.
constexpr ResolvedKind kResolvedKinds[] = {
    {"Pod", "", {"v1"}},
    {"PodTemplate", "", {"v1"}},
    {"ReplicationController", "", {"v1"}},
    {"ServiceAccount", "", {"v1"}},
    {"Deployment", "apps", {"v1", "v1beta2", "v1beta1"}},
    {"Deployment", "extensions", {"v1beta1"}},
    {"StatefulSet", "apps", {"v1", "v1beta2", "v1beta1"}},
    {"DaemonSet", "apps", {"v1", "v1beta2"}},
    {"DaemonSet", "extensions", {"v1beta1"}},
    {"ReplicaSet", "apps", {"v1", "v1beta2"}},
    {"ReplicaSet", "extensions", {"v1beta1"}},
    {"Job", "batch", {"v1"}},
    {"CronJob", "batch", {"v1", "v1beta1"}},
    {"SecretProviderClass", "secrets-store.csi.x-k8s.io", {"v1", "v1alpha1"}},
    {"ExternalSecret", "external-secrets.io", {"v1", "v1beta1", "v1alpha1"}},
    {"SecretStore", "external-secrets.io", {"v1", "v1beta1", "v1alpha1"}},
    {"ClusterSecretStore", "external-secrets.io", {"v1", "v1beta1", "v1alpha1"}},
    // Cloud Run services and jobs in `gcloud run services describe` form.
    {"Service", "serving.knative.dev", {"v1"}},
    {"Job", "run.googleapis.com", {"v1"}},
};

std::string_view group_of(std::string_view api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? std::string_view() : api_version.substr(0, slash);
}

std::string_view version_of(std::string_view api_version) {
  size_t slash = api_version.find('/');
  return slash == std::string_view::npos ? api_version : api_version.substr(slash + 1);
}

}  // namespace

bool DocumentFilter::keep(const manifest::Document& document) {
  ++seen_;
  if (document.format == manifest::DocumentFormat::kEcsTaskDefinition) return true;
  std::string kind = util::child_text(document.root, "kind");
  std::string api_version = util::child_text(document.root, "apiVersion");
  bool resolved = false;
  for (const ResolvedKind& entry : kResolvedKinds) {
    if (entry.kind != kind) continue;
    resolved = true;
    if (api_version.empty() || group_of(api_version) != entry.group) continue;
    std::string_view version = version_of(api_version);
    bool known = false;
    std::string known_list;
    for (std::string_view candidate : entry.versions) {
      if (candidate.empty()) continue;
      known = known || candidate == version;
      if (!known_list.empty()) known_list += ", ";
      known_list += entry.group.empty() ? std::string(candidate)
                                        : std::string(entry.group) + "/" + std::string(candidate);
    }
    if (!known) {
      diagnostics_.push_back(manifest::make_diagnostic(
          Diagnostic::Severity::kWarning, *document.file,
          document.locate(util::child(document.root, "apiVersion")),
          kind + " has apiVersion \"" + api_version + "\", which secret-preflight does not know (" +
              known_list + "); it is read as those versions are, so check its edges"));
    }
    break;
  }
  if (!resolved) ++dropped_[kind];
  return resolved;
}

}  // namespace sp::resolve
