#include "resolve/kubernetes/service_account_identity.h"

#include "resolve/aws/arn.h"
#include "resolve/context.h"
#include "resolve/placeholder.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {

std::string config_file_name(const config::Config& config) {
  return config.path.empty() ? ".github/secret-preflight.yml" : config.path;
}

IdentityResult resolve_irsa(const ObjectIndex& index, const config::Config& config,
                            const std::string& kubernetes_namespace, const std::string& name) {
  IdentityResult result;
  RuntimeIdentity& identity = result.identity;
  identity.mechanism = IdentityMechanism::kIrsa;
  identity.kubernetes_namespace = kubernetes_namespace;
  identity.service_account = name;
  identity.oidc_issuer = config.kubernetes.oidc_issuer;
  std::string display = "ServiceAccount " + kubernetes_namespace + "/" + name;
  const KubeObject* account = index.find("ServiceAccount", kubernetes_namespace, name);
  if (!account) {
    result.unresolved_reason =
        display +
        " is not in the scanned manifests; add it with its "
        "eks.amazonaws.com/role-arn annotation, or scan the manifests that create it";
    return result;
  }
  const manifest::Document& document = *account->document;
  YAML::Node metadata = util::child(account->node(), "metadata");
  identity.chain.push_back(make_step(document, metadata ? metadata : account->node(), display));
  std::string assumption = account->namespace_assumption();
  if (!assumption.empty()) result.assumptions.push_back(assumption);

  YAML::Node annotations = util::child(metadata, "annotations");
  std::string audience = util::child_text(annotations, "eks.amazonaws.com/audience");
  if (!audience.empty()) identity.audience = audience;
  YAML::Node role = util::child(annotations, "eks.amazonaws.com/role-arn");
  std::string role_arn = util::scalar_text(role);
  if (role_arn.empty()) {
    result.unresolved_reason =
        display + " has no eks.amazonaws.com/role-arn annotation; add the runtime role ARN";
    return result;
  }
  identity.chain.push_back(make_step(document, role, "eks.amazonaws.com/role-arn annotation"));
  std::string placeholder = find_placeholder(role_arn);
  if (!placeholder.empty()) {
    result.unresolved_reason =
        placeholder_reason("eks.amazonaws.com/role-arn annotation", role_arn, placeholder);
  } else if (!aws::is_role_arn(role_arn)) {
    result.unresolved_reason = "eks.amazonaws.com/role-arn annotation \"" + role_arn + "\" on " +
                               display +
                               " is not an IAM role ARN; write the full ARN "
                               "(arn:aws:iam::<account>:role/<name>)";
  } else {
    identity.principal = role_arn;
  }
  return result;
}

IdentityResult resolve_pod_identity(const config::Config& config,
                                    const std::string& kubernetes_namespace,
                                    const std::string& name) {
  IdentityResult result;
  RuntimeIdentity& identity = result.identity;
  identity.mechanism = IdentityMechanism::kPodIdentity;
  identity.kubernetes_namespace = kubernetes_namespace;
  identity.service_account = name;
  for (const auto& association : config.kubernetes.pod_identity_associations) {
    if (association.kubernetes_namespace != kubernetes_namespace ||
        association.service_account != name)
      continue;
    // EKS assumes role_arn first and, when set, target_role_arn after it.
    if (association.target_role_arn.empty()) {
      identity.principal = association.role_arn;
    } else {
      identity.principal = association.target_role_arn;
      identity.assumed_before.push_back(association.role_arn);
    }
    identity.session_policy = association.session_policy;
    identity.chain.push_back(ChainStep{
        "EKS Pod Identity association " + kubernetes_namespace + "/" + name, association.location});
    return result;
  }
  result.unresolved_reason =
      "no EKS Pod Identity association for ServiceAccount " + kubernetes_namespace + "/" + name +
      "; add it under kubernetes.pod_identity_associations in " + config_file_name(config);
  return result;
}

IdentityResult resolve_application_identity(const ObjectIndex& index, const config::Config& config,
                                            const std::string& kubernetes_namespace,
                                            const std::string& name) {
  IdentityResult pod_identity = resolve_pod_identity(config, kubernetes_namespace, name);
  if (pod_identity.unresolved_reason.empty()) return pod_identity;
  return resolve_irsa(index, config, kubernetes_namespace, name);
}

}  // namespace sp::resolve::kubernetes
