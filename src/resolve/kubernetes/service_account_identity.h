// The AWS runtime identity of a Kubernetes ServiceAccount: its IRSA role
// annotation, or an EKS Pod Identity association from the config file.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/model.h"
#include "resolve/kubernetes/object_index.h"

namespace sp::resolve::kubernetes {

struct IdentityResult {
  RuntimeIdentity identity;
  /// Non-empty when the identity cannot be determined. It names what to add.
  std::string unresolved_reason;
  std::vector<std::string> assumptions;
};

/// Resolves IRSA: the `eks.amazonaws.com/role-arn` annotation of
/// ServiceAccount `kubernetes_namespace`/`name` (audience from
/// `eks.amazonaws.com/audience`). Unresolved when the ServiceAccount is not
/// in the manifests or lacks the annotation.
IdentityResult resolve_irsa(const ObjectIndex& index, const config::Config& config,
                            const std::string& kubernetes_namespace, const std::string& name);

/// Resolves the EKS Pod Identity association for the ServiceAccount from
/// `kubernetes.pod_identity_associations`; unresolved when there is none.
IdentityResult resolve_pod_identity(const config::Config& config,
                                    const std::string& kubernetes_namespace,
                                    const std::string& name);

/// Resolves the identity an application pod's own SDK calls get: a Pod
/// Identity association when one exists (the webhook then skips the IRSA
/// variables), else IRSA.
IdentityResult resolve_application_identity(const ObjectIndex& index, const config::Config& config,
                                            const std::string& kubernetes_namespace,
                                            const std::string& name);

/// Returns the config file path to name in messages.
std::string config_file_name(const config::Config& config);

}  // namespace sp::resolve::kubernetes
