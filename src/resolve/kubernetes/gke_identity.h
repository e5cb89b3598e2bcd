// The Google runtime identity of a Kubernetes ServiceAccount on GKE with
// Workload Identity Federation: the Google service account its annotation
// names, or the ServiceAccount itself as a principal:// subject.
#pragma once

#include <string>

#include "config/config.h"
#include "resolve/kubernetes/object_index.h"
#include "resolve/kubernetes/service_account_identity.h"

namespace sp::resolve::kubernetes {

/// Resolves ServiceAccount `kubernetes_namespace`/`name`. With an
/// `iam.gke.io/gcp-service-account` annotation the identity is that Google
/// service account (kGkeServiceAccount). Without one it is the
/// ServiceAccount's principal:// subject (kGkeDirectPrincipal), which needs
/// the pool project and its number. `pool_project` is the project whose
/// `PROJECT.svc.id.goog` pool the cluster uses; when empty,
/// gcp.default_project from the config applies. Unresolved when the
/// ServiceAccount is not in the manifests or a needed config value is missing.
IdentityResult resolve_gke_identity(const ObjectIndex& index, const config::Config& config,
                                    const std::string& kubernetes_namespace,
                                    const std::string& name, const std::string& pool_project = "");

}  // namespace sp::resolve::kubernetes
