#include "resolve/kubernetes/azure_identity.h"

#include "resolve/azure/key_vault.h"
#include "resolve/context.h"
#include "resolve/placeholder.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

constexpr const char* kClientIdAnnotation = "azure.workload.identity/client-id";
constexpr const char* kTenantIdAnnotation = "azure.workload.identity/tenant-id";
constexpr const char* kUseLabel = "azure.workload.identity/use";

// Returns the unresolved reason for a client or tenant ID, or empty when it
// is a GUID.
std::string guid_problem(const std::string& field, const std::string& value) {
  std::string placeholder = find_placeholder(value);
  if (!placeholder.empty()) return placeholder_reason(field, value, placeholder);
  if (!azure::is_guid(value))
    return field + " \"" + value + "\" is not a GUID; write the ID as " +
           "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  return "";
}

// The pod template path of the label, for messages.
std::string template_labels_path(const KubeObject& owner) {
  if (owner.kind == "Pod") return "metadata.labels";
  if (owner.kind == "CronJob") return "spec.jobTemplate.spec.template.metadata.labels";
  if (owner.kind == "PodTemplate") return "template.metadata.labels";
  return "spec.template.metadata.labels";
}

}  // namespace

IdentityResult make_azure_identity(const config::Config& config,
                                   const std::string& kubernetes_namespace,
                                   const std::string& service_account) {
  IdentityResult result;
  RuntimeIdentity& identity = result.identity;
  identity.provider = "azure";
  identity.mechanism = IdentityMechanism::kAzureWorkloadIdentity;
  identity.audience = kAzureTokenAudience;
  identity.kubernetes_namespace = kubernetes_namespace;
  identity.service_account = service_account;
  identity.oidc_issuer = config.kubernetes.oidc_issuer;
  return result;
}

IdentityResult resolve_azure_workload_identity(const ObjectIndex& index,
                                               const config::Config& config,
                                               const std::string& kubernetes_namespace,
                                               const std::string& name,
                                               const std::string& tenant_override) {
  IdentityResult result = make_azure_identity(config, kubernetes_namespace, name);
  RuntimeIdentity& identity = result.identity;
  std::string display = "ServiceAccount " + kubernetes_namespace + "/" + name;
  const KubeObject* account = index.find("ServiceAccount", kubernetes_namespace, name);
  if (!account) {
    result.unresolved_reason = display + " is not in the scanned manifests; add it with its " +
                               kClientIdAnnotation +
                               " annotation, or scan the manifests that create it";
    return result;
  }
  const manifest::Document& document = *account->document;
  YAML::Node metadata = util::child(account->node(), "metadata");
  identity.chain.push_back(make_step(document, metadata ? metadata : account->node(), display));
  std::string assumption = account->namespace_assumption();
  if (!assumption.empty()) result.assumptions.push_back(assumption);

  YAML::Node annotations = util::child(metadata, "annotations");
  YAML::Node client_node = util::child(annotations, kClientIdAnnotation);
  std::string client_id = util::scalar_text(client_node);
  if (client_id.empty()) {
    result.unresolved_reason = display + " has no " + kClientIdAnnotation +
                               " annotation; add the client ID of the managed identity or "
                               "application it should act as";
    return result;
  }
  identity.chain.push_back(
      make_step(document, client_node, std::string(kClientIdAnnotation) + " annotation"));
  result.unresolved_reason = guid_problem(std::string(kClientIdAnnotation) + " annotation", client_id);
  if (!result.unresolved_reason.empty()) return result;
  identity.principal = client_id;

  YAML::Node tenant_node = util::child(annotations, kTenantIdAnnotation);
  std::string tenant = tenant_override;
  std::string tenant_field = "tenantId";
  if (tenant.empty() && util::has_text(tenant_node)) {
    tenant = tenant_node.Scalar();
    tenant_field = std::string(kTenantIdAnnotation) + " annotation";
    identity.chain.push_back(make_step(document, tenant_node, tenant_field));
  }
  if (tenant.empty() && !config.azure.tenant_id.empty()) {
    tenant = config.azure.tenant_id;
    tenant_field = "azure.tenant_id";
    result.assumptions.push_back("tenant " + tenant + " taken from azure.tenant_id in the config "
                                 "file, as the webhook's AZURE_TENANT_ID");
  }
  if (tenant.empty()) {
    result.unresolved_reason = display + " has no " + kTenantIdAnnotation +
                               " annotation, so the tenant is the webhook's AZURE_TENANT_ID; "
                               "add the annotation or set azure.tenant_id in " +
                               config_file_name(config);
    return result;
  }
  result.unresolved_reason = guid_problem(tenant_field, tenant);
  identity.tenant_id = tenant;
  return result;
}

std::string workload_identity_label_problem(const PodTemplate& pod) {
  const KubeObject& owner = *pod.owner;
  std::string value = util::child_text(util::child(pod.metadata, "labels"), kUseLabel);
  if (value == "true") return "";
  std::string fix = "add the label " + std::string(kUseLabel) + ": \"true\" under " +
                    template_labels_path(owner);
  if (!value.empty())
    return owner.display() + " sets the pod label " + kUseLabel + " to \"" + value +
           "\", and the webhook mutates only pods labelled \"true\"; " + fix;
  std::string problem = owner.display() + " has no pod label " + kUseLabel + ": \"true\"";
  bool on_owner = owner.kind != "Pod" &&
                  util::has_text(util::child(
                      util::child(util::child(owner.node(), "metadata"), "labels"), kUseLabel));
  if (on_owner)
    problem += " (the label is on the " + owner.kind +
               "'s own metadata.labels, which the webhook never sees)";
  return problem + ", so the webhook projects no federated token into its pods; " + fix;
}

}  // namespace sp::resolve::kubernetes
