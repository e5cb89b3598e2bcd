// The Azure runtime identity of a Kubernetes ServiceAccount with Azure
// Workload Identity: the client ID and tenant of its annotations, reached
// through a federated credential for system:serviceaccount:<namespace>:<name>.
#pragma once

#include <string>

#include "config/config.h"
#include "resolve/kubernetes/object_index.h"
#include "resolve/kubernetes/pod_template.h"
#include "resolve/kubernetes/service_account_identity.h"

namespace sp::resolve::kubernetes {

/// The audience of the ServiceAccount token that the webhook projects and
/// that External Secrets and the CSI driver request for Entra.
inline constexpr const char* kAzureTokenAudience = "api://AzureADTokenExchange";

/// Returns an identity with the Azure fields set (provider, mechanism,
/// audience, namespace, ServiceAccount, the config's OIDC issuer) and no
/// principal yet.
IdentityResult make_azure_identity(const config::Config& config,
                                   const std::string& kubernetes_namespace,
                                   const std::string& service_account);

/// Resolves ServiceAccount `kubernetes_namespace`/`name` through its
/// `azure.workload.identity/client-id` annotation. The tenant is
/// `tenant_override` when non-empty (a store's tenantId), else the
/// `azure.workload.identity/tenant-id` annotation, else azure.tenant_id from
/// the config (the webhook's AZURE_TENANT_ID). Unresolved when the
/// ServiceAccount is not in the manifests, or the client ID or tenant is
/// missing, templated or not a GUID.
IdentityResult resolve_azure_workload_identity(const ObjectIndex& index,
                                               const config::Config& config,
                                               const std::string& kubernetes_namespace,
                                               const std::string& name,
                                               const std::string& tenant_override = "");

/// Checks the pod label `azure.workload.identity/use: "true"` that the
/// Azure Workload Identity webhook needs before it projects a token into a
/// pod. Returns empty when the pod template has it, else a sentence that
/// says where to add it and whether it sits on the workload's own metadata.
std::string workload_identity_label_problem(const PodTemplate& pod);

}  // namespace sp::resolve::kubernetes
