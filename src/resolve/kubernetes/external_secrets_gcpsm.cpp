#include "resolve/kubernetes/external_secrets_gcpsm.h"

#include "resolve/kubernetes/gke_identity.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

using util::child;
using util::child_text;

IdentityResult unresolved_gcp(std::string reason) {
  IdentityResult result;
  result.identity.provider = "gcp";
  result.identity.audience.clear();
  result.unresolved_reason = std::move(reason);
  return result;
}

IdentityResult controller_identity(const config::Config& config, const KubeObject& store) {
  const std::string& email = config.kubernetes.external_secrets_controller_gcp_service_account;
  if (email.empty()) {
    return unresolved_gcp(store.display() +
                          " has no auth, so the External Secrets controller reads with its own "
                          "Google credentials; set "
                          "kubernetes.external_secrets.controller_gcp_service_account in " +
                          config_file_name(config));
  }
  IdentityResult result;
  RuntimeIdentity& identity = result.identity;
  identity.provider = "gcp";
  identity.audience.clear();
  identity.mechanism = IdentityMechanism::kControllerIdentity;
  identity.principal = email;
  identity.chain.push_back(ChainStep{"External Secrets controller Google service account (config)",
                                     config.kubernetes.external_secrets_location});
  return result;
}

}  // namespace

IdentityResult resolve_gcpsm_identity(const ObjectIndex& index, const config::Config& config,
                                      const KubeObject& store, const YAML::Node& gcpsm,
                                      const std::string& external_secret_namespace) {
  YAML::Node auth = child(gcpsm, "auth");
  if (child(auth, "secretRef").IsDefined()) {
    return unresolved_gcp(store.display() +
                          " authenticates with a service account key from a Kubernetes Secret "
                          "(auth.secretRef), whose account the manifests cannot show");
  }
  YAML::Node workload_identity = child(auth, "workloadIdentity");
  if (workload_identity.IsMap()) {
    YAML::Node account_ref = child(workload_identity, "serviceAccountRef");
    // A SecretStore's ServiceAccount is in the store's namespace; a
    // ClusterSecretStore's is in serviceAccountRef.namespace, else in the
    // ExternalSecret's namespace.
    std::string ns = store.kubernetes_namespace;
    if (store.kind == "ClusterSecretStore") {
      ns = child_text(account_ref, "namespace");
      if (ns.empty()) ns = external_secret_namespace;
    }
    // clusterProjectID names the project of the cluster's pool. Without it
    // the controller asks its node's metadata server, so the config default
    // applies.
    return resolve_gke_identity(index, config, ns, child_text(account_ref, "name"),
                                child_text(workload_identity, "clusterProjectID"));
  }
  if (child(auth, "workloadIdentityFederation").IsDefined()) {
    // NOTE: workloadIdentityFederation (credConfig, AWS credentials or an
    // external token endpoint) is not resolved.
    return unresolved_gcp(store.display() +
                          " authenticates with auth.workloadIdentityFederation, which "
                          "secret-preflight does not resolve yet");
  }
  return controller_identity(config, store);
}

}  // namespace sp::resolve::kubernetes
