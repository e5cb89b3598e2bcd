#include "resolve/kubernetes/external_secrets_azurekv.h"

#include "resolve/kubernetes/azure_identity.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

using util::child;
using util::child_text;

IdentityResult unresolved_azure(std::string reason) {
  IdentityResult result;
  result.identity.provider = "azure";
  result.identity.audience.clear();
  result.unresolved_reason = std::move(reason);
  return result;
}

}  // namespace

IdentityResult resolve_azurekv_identity(const ObjectIndex& index, const config::Config& config,
                                        const KubeObject& store, const YAML::Node& azurekv,
                                        const std::string& external_secret_namespace) {
  std::string auth_type = child_text(azurekv, "authType");
  if (auth_type.empty() || auth_type == "ServicePrincipal") {
    return unresolved_azure(store.display() +
                            " authenticates as a service principal (authType ServicePrincipal, "
                            "the default) with credentials from authSecretRef, whose client ID "
                            "the manifests cannot show; use authType WorkloadIdentity to have "
                            "it checked");
  }
  if (auth_type == "ManagedIdentity") {
    std::string identity_id = child_text(azurekv, "identityId");
    return unresolved_azure(
        store.display() + " reads with the controller's managed identity" +
        (identity_id.empty() ? "" : " " + identity_id) +
        " (authType ManagedIdentity), which the manifests cannot tie to a federated credential; "
        "use authType WorkloadIdentity to have it checked");
  }
  if (auth_type != "WorkloadIdentity") {
    return unresolved_azure("invalid authType \"" + auth_type + "\" in " + store.display() +
                            ": expected ServicePrincipal, ManagedIdentity or WorkloadIdentity");
  }
  YAML::Node account_ref = child(azurekv, "serviceAccountRef");
  if (!account_ref.IsMap()) {
    // NOTE: the controller's own workload identity has no config entry yet.
    return unresolved_azure(store.display() +
                            " has no serviceAccountRef, so the External Secrets controller reads "
                            "with its own workload identity (its AZURE_CLIENT_ID), which the "
                            "manifests cannot show; add serviceAccountRef");
  }
  YAML::Node secret_ref = child(azurekv, "authSecretRef");
  if (child(secret_ref, "clientId").IsDefined()) {
    return unresolved_azure(store.display() +
                            " takes its client ID from a Kubernetes Secret "
                            "(authSecretRef.clientId), which the manifests cannot show; use the "
                            "ServiceAccount's azure.workload.identity/client-id annotation");
  }
  if (child(secret_ref, "tenantId").IsDefined()) {
    return unresolved_azure(store.display() +
                            " takes its tenant from a Kubernetes Secret "
                            "(authSecretRef.tenantId), which the manifests cannot show; set "
                            "spec.provider.azurekv.tenantId");
  }
  // A SecretStore's ServiceAccount is in the store's namespace; a
  // ClusterSecretStore's is in serviceAccountRef.namespace, else in the
  // ExternalSecret's namespace.
  std::string ns = store.kubernetes_namespace;
  if (store.kind == "ClusterSecretStore") {
    ns = child_text(account_ref, "namespace");
    if (ns.empty()) ns = external_secret_namespace;
  }
  return resolve_azure_workload_identity(index, config, ns, child_text(account_ref, "name"),
                                         child_text(azurekv, "tenantId"));
}

AzureKeyVaultKey split_azurekv_key(const std::string& key) {
  for (const char* type : {"secret", "key", "cert"}) {
    std::string prefix = std::string(type) + "/";
    if (key.starts_with(prefix)) return {type, key.substr(prefix.size())};
  }
  return {"secret", key};
}

}  // namespace sp::resolve::kubernetes
