// External Secrets stores with provider azurekv: which Azure identity the
// controller reads as, and which Key Vault secret a remoteRef key names.
#pragma once

#include <string>

#include "config/config.h"
#include "resolve/kubernetes/object_index.h"
#include "resolve/kubernetes/service_account_identity.h"

namespace sp::resolve::kubernetes {

/// Resolves the identity of an azurekv `store` (`azurekv` is its
/// `spec.provider.azurekv`). Only authType WorkloadIdentity with a
/// serviceAccountRef resolves: the client ID is that ServiceAccount's
/// annotation, the tenant is tenantId, else its tenant-id annotation, else
/// azure.tenant_id from the config. ServicePrincipal (the default),
/// ManagedIdentity, credentials in authSecretRef and the controller's own
/// workload identity are unresolved, because the manifests cannot show them.
IdentityResult resolve_azurekv_identity(const ObjectIndex& index, const config::Config& config,
                                        const KubeObject& store, const YAML::Node& azurekv,
                                        const std::string& external_secret_namespace);

/// A remoteRef key split into its object type and name.
struct AzureKeyVaultKey {
  /// "secret", "key" or "cert".
  std::string type;
  std::string name;
};

/// Splits `secret/<name>`, `key/<name>` and `cert/<name>`; a key without
/// one of these prefixes names a secret.
AzureKeyVaultKey split_azurekv_key(const std::string& key);

}  // namespace sp::resolve::kubernetes
