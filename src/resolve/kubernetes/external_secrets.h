// External Secrets Operator: ExternalSecret entries read through a
// SecretStore or ClusterSecretStore with provider aws, gcpsm or azurekv, as the
// store's identity (never as the pods that consume the resulting Secret).
#pragma once

#include "resolve/context.h"
#include "resolve/kubernetes/object_index.h"

namespace sp::resolve::kubernetes {

/// Adds an edge per data[].remoteRef, dataFrom[].extract and (two per)
/// dataFrom[].find of every ExternalSecret (external-secrets.io v1, v1beta1
/// and v1alpha1) whose store has provider aws, and an edge per
/// data[].remoteRef and dataFrom[].extract (one unresolved edge per
/// dataFrom[].find) whose store has provider gcpsm or azurekv.
void resolve_external_secrets(const ObjectIndex& index, ResolveContext& context);

}  // namespace sp::resolve::kubernetes
