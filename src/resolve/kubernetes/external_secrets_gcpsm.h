// External Secrets stores with provider gcpsm: which Google identity the
// controller reads as.
#pragma once

#include <string>

#include "config/config.h"
#include "resolve/kubernetes/object_index.h"
#include "resolve/kubernetes/service_account_identity.h"

namespace sp::resolve::kubernetes {

/// Resolves the identity of a gcpsm `store` (its `spec.provider.gcpsm` is
/// `gcpsm`) in the order the provider tries: a key Secret (unresolved),
/// workloadIdentity (the referenced ServiceAccount through GKE Workload
/// Identity), workloadIdentityFederation (unresolved), else the
/// controller's own credentials from
/// kubernetes.external_secrets.controller_gcp_service_account.
IdentityResult resolve_gcpsm_identity(const ObjectIndex& index, const config::Config& config,
                                      const KubeObject& store, const YAML::Node& gcpsm,
                                      const std::string& external_secret_namespace);

}  // namespace sp::resolve::kubernetes
