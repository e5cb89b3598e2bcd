#include <array>

#include "resolve/azure/key_vault.h"
#include "resolve/kubernetes/azure_identity.h"
#include "resolve/kubernetes/csi_class.h"
#include "resolve/kubernetes/secrets_store_csi.h"
#include "resolve/placeholder.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

using util::child;
using util::child_text;

// Returns the value of a boolean class parameter (Go ParseBool forms), adding
// an error for other text.
bool flag(const manifest::Document& document, const YAML::Node& parameters,
          const std::string& name, ResolveContext& context) {
  YAML::Node node = child(parameters, name);
  if (!util::has_text(node)) return false;
  std::optional<bool> value = parse_go_bool(node.Scalar());
  if (!value)
    context.error(document, node,
                  "invalid " + name + " \"" + node.Scalar() +
                      "\": expected true or false (Go ParseBool forms)");
  return value.value_or(false);
}

// Sets the class's identity, following the provider's order: at most one of
// usePodIdentity, useVMManagedIdentity and useAzureTokenProxy, then workload
// identity with clientID, else a service principal from nodePublishSecretRef.
void parse_identity_mode(const KubeObject& object, const YAML::Node& parameters,
                         ResolveContext& context, ParsedClass& parsed) {
  const manifest::Document& document = *object.document;
  bool pod_identity = flag(document, parameters, "usePodIdentity", context);
  bool vm_identity = flag(document, parameters, "useVMManagedIdentity", context);
  bool token_proxy = flag(document, parameters, "useAzureTokenProxy", context);
  if (int(pod_identity) + int(vm_identity) + int(token_proxy) > 1) {
    context.error(document, parameters,
                  object.display() +
                      " sets more than one of usePodIdentity, useVMManagedIdentity and "
                      "useAzureTokenProxy, which the Azure provider rejects; keep one");
    parsed.azure_identity_problem = object.display() + " sets conflicting identity modes";
    return;
  }
  if (vm_identity) {
    std::string assigned = child_text(parameters, "userAssignedIdentityID");
    parsed.azure_identity_problem =
        object.display() + " reads with the node's " +
        (assigned.empty() ? "system-assigned managed identity"
                          : "user-assigned managed identity " + assigned) +
        " (useVMManagedIdentity), which every pod on the node pool shares and which the "
        "manifests cannot tie to a federated credential; use workload identity (clientID) to "
        "have it checked";
    return;
  }
  if (pod_identity) {
    parsed.azure_identity_problem =
        object.display() +
        " uses the deprecated aad-pod-identity (usePodIdentity), whose AzureIdentityBinding "
        "the manifests do not resolve; use workload identity (clientID) to have it checked";
    return;
  }
  YAML::Node client = child(parameters, "clientID");
  parsed.azure_client_id = util::scalar_text(client);
  parsed.azure_client_id_node = client;
  if (token_proxy) {
    // NOTE: AKS identity binding (useAzureTokenProxy) is not resolved; its
    // token comes from the cluster's identity binding, not a federated credential.
    parsed.azure_identity_problem = object.display() +
                                    " uses AKS identity binding (useAzureTokenProxy), which "
                                    "secret-preflight does not resolve yet";
    return;
  }
  if (parsed.azure_client_id.empty()) {
    parsed.azure_identity_problem =
        object.display() +
        " sets no clientID, so the provider reads as the service principal whose clientid and "
        "clientsecret are in the volume's nodePublishSecretRef Secret, which the manifests "
        "cannot show; set clientID to use workload identity";
    return;
  }
  // The provider reads tenantID and the deprecated tenantId; tenantID wins.
  std::string tenant = child_text(parameters, "tenantID");
  if (tenant.empty()) tenant = child_text(parameters, "tenantId");
  parsed.azure_tenant_id = tenant;
  if (tenant.empty())
    parsed.azure_identity_problem = object.display() +
                                    " sets no tenantID, which the Azure provider requires; add "
                                    "the tenant ID of the vault to spec.parameters";
}

class AzureClassParser {
 public:
  AzureClassParser(const KubeObject& object, ResolveContext& context)
      : object_(object), document_(*object.document), context_(context) {}

  ParsedClass parse() {
    ParsedClass parsed;
    parsed.object = &object_;
    parsed.provider = "azure";
    YAML::Node parameters = child(child(object_.node(), "spec"), "parameters");
    parse_identity_mode(object_, parameters, context_, parsed);
    if (!resolve_vault_host(parameters)) return parsed;

    YAML::Node objects = child(parameters, "objects");
    if (!util::has_text(objects)) {
      context_.error(
          document_, parameters ? parameters : object_.node(),
          object_.display() + " has no \"objects\" parameter; list the secrets to mount");
      return parsed;
    }
    // `objects` is YAML text whose `array` lists more YAML text, one object
    // each, so each entry is parsed a second time at its own offset.
    std::optional<manifest::Document> outer =
        parse_parameter_text(document_, objects, "objects", context_);
    if (!outer) return parsed;
    YAML::Node array = child(outer->root, "array");
    if (!array.IsSequence()) {
      context_.error(document_, objects,
                     "SecretProviderClass parameter \"objects\" must hold an \"array:\" list");
      return parsed;
    }
    for (const auto& item : array) {
      if (!item.IsScalar()) {
        context_.error(*outer, item,
                       "each \"array\" entry of \"objects\" must be YAML text (write \"- |\")");
        continue;
      }
      std::optional<manifest::Document> entry =
          parse_parameter_text(*outer, item, "objects", context_);
      if (entry) parse_object(*entry, parsed.reads);
    }
    return parsed;
  }

 private:
  // The vault host is keyvaultName plus the cloud's suffix: cloudName from
  // the class, else azure.cloud from the config.
  bool resolve_vault_host(const YAML::Node& parameters) {
    YAML::Node vault = child(parameters, "keyvaultName");
    vault_name_ = util::scalar_text(vault);
    if (vault_name_.empty()) {
      context_.error(document_, parameters ? parameters : object_.node(),
                     object_.display() + " has no keyvaultName parameter; name the vault");
      return false;
    }
    YAML::Node cloud_node = child(parameters, "cloudName");
    std::string cloud = util::scalar_text(cloud_node);
    if (cloud.empty()) {
      cloud = context_.config.azure.cloud;
      if (cloud != "AzurePublicCloud")
        assumptions_.push_back("cloud " + cloud + " taken from azure.cloud in the config file");
    }
    std::string suffix = azure::vault_suffix(cloud);
    if (suffix.empty()) {
      vault_problem_ = "cloudName \"" + cloud + "\" of " + object_.display() +
                       " is not AzurePublicCloud, AzureUSGovernmentCloud or AzureChinaCloud, "
                       "the clouds secret-preflight checks";
      suffix = "vault.azure.net";
    }
    vault_host_ = vault_name_ + "." + suffix;
    std::string placeholder = find_placeholder(vault_name_);
    if (!placeholder.empty()) {
      vault_problem_ = placeholder_reason("keyvaultName", vault_name_, placeholder);
    } else if (!azure::is_vault_name(vault_name_)) {
      // A name with '.', ':', '/', '?' or '#' would send the identity's token
      // to another host or read another secret.
      context_.error(document_, vault,
                     "invalid keyvaultName \"" + vault_name_ + "\" in " + object_.display() +
                         ": Key Vault names have 3 to 24 letters, digits and hyphens");
      return false;
    }
    return true;
  }

  void parse_object(const manifest::Document& entry_document, std::vector<CsiRead>& reads) {
    const YAML::Node& entry = entry_document.root;
    YAML::Node name_node = child(entry, "objectName");
    std::string name = util::scalar_text(name_node);
    if (name.empty()) {
      context_.error(entry_document, entry.IsDefined() ? entry : YAML::Node(),
                     "missing objectName in an \"objects\" entry of " + object_.display());
      return;
    }
    std::string type = child_text(entry, "objectType");
    if (type.empty()) type = "secret";
    if (type == "key" || type == "cert") {
      // NOTE: keys and certificates are read with Get Key and Get Certificate,
      // which need keys/get and certificates/get; those reads are not probed.
      context_.warning(entry_document, name_node,
                       "objectName \"" + name + "\" has objectType " + type +
                           ", which secret-preflight does not check yet; only secret objects "
                           "are probed");
      return;
    }
    if (type != "secret") {
      context_.error(entry_document, child(entry, "objectType"),
                     "invalid objectType \"" + type +
                         "\": the Azure provider accepts secret, key or cert");
      return;
    }
    std::string version = child_text(entry, "objectVersion");
    CsiRead read;
    read.reference = make_reference(entry_document, name_node, "csi-azure-object",
                                    "spec.parameters.objects[" + name + "].objectName");
    read.secret = azure::make_secret_target(vault_host_, name, version);
    read.operation = azure::kGetSecretAction;
    read.assumptions = assumptions_;
    std::string history = child_text(entry, "objectVersionHistory");
    if (!history.empty() && history != "0" && history != "1")
      read.assumptions.push_back("objectVersionHistory " + history +
                                 " also lists versions, which needs the list permission; only "
                                 "the read of the named version is checked");
    read.unresolved_reason = vault_problem_;
    for (const auto& [field, value] : std::array<std::pair<std::string, std::string>, 2>{
             {{"objectName", name}, {"objectVersion", version}}}) {
      std::string placeholder = find_placeholder(value);
      if (!placeholder.empty() && read.unresolved_reason.empty())
        read.unresolved_reason = placeholder_reason(field, value, placeholder);
    }
    if (read.unresolved_reason.empty() && !azure::is_object_name(name)) {
      context_.error(entry_document, name_node,
                     "invalid objectName \"" + name + "\" in " + object_.display() +
                         ": Key Vault names have 1 to 127 letters, digits and hyphens");
      return;
    }
    if (read.unresolved_reason.empty() && !version.empty() && !azure::is_secret_version(version)) {
      context_.error(entry_document, child(entry, "objectVersion"),
                     "invalid objectVersion \"" + version + "\" in " + object_.display() +
                         ": Key Vault versions are 32 hexadecimal digits");
      return;
    }
    reads.push_back(std::move(read));
  }

  const KubeObject& object_;
  const manifest::Document& document_;
  ResolveContext& context_;
  std::string vault_name_;
  std::string vault_host_;
  std::string vault_problem_;
  std::vector<std::string> assumptions_;
};

}  // namespace

ParsedClass parse_azure_class(const KubeObject& object, ResolveContext& context) {
  return AzureClassParser(object, context).parse();
}

IdentityResult resolve_azure_csi_identity(const ObjectIndex& index, const config::Config& config,
                                          const PodTemplate& pod, const ParsedClass& parsed) {
  const std::string& ns = pod.owner->kubernetes_namespace;
  IdentityResult result = make_azure_identity(config, ns, pod.service_account);
  RuntimeIdentity& identity = result.identity;
  std::string display = "ServiceAccount " + ns + "/" + pod.service_account;
  const KubeObject* account = index.find("ServiceAccount", ns, pod.service_account);
  if (account) {
    YAML::Node metadata = util::child(account->node(), "metadata");
    identity.chain.push_back(
        make_step(*account->document, metadata ? metadata : account->node(), display));
  } else {
    // The identity comes from the class, so the ServiceAccount only names the
    // federated credential's subject; the pod still needs it to exist.
    result.assumptions.push_back(display +
                                 " is not in the scanned manifests; it must exist in the "
                                 "cluster, or the pods are rejected");
  }
  if (!parsed.azure_identity_problem.empty()) {
    result.unresolved_reason = parsed.azure_identity_problem;
    return result;
  }
  const manifest::Document& class_document = *parsed.object->document;
  identity.chain.push_back(
      make_step(class_document, parsed.azure_client_id_node, "clientID " + parsed.azure_client_id));
  identity.chain.push_back(make_step(class_document, parsed.azure_client_id_node,
                                     "federated credential subject system:serviceaccount:" + ns +
                                         ":" + pod.service_account));
  for (const auto& [field, value] : std::array<std::pair<std::string, std::string>, 2>{
           {{"clientID", parsed.azure_client_id}, {"tenantID", parsed.azure_tenant_id}}}) {
    std::string placeholder = find_placeholder(value);
    if (!placeholder.empty()) {
      result.unresolved_reason = placeholder_reason(field, value, placeholder);
      return result;
    }
    if (!azure::is_guid(value)) {
      result.unresolved_reason = field + " \"" + value + "\" of " + parsed.object->display() +
                                 " is not a GUID; write the ID as "
                                 "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
      return result;
    }
  }
  identity.principal = parsed.azure_client_id;
  identity.tenant_id = parsed.azure_tenant_id;
  // An Azure workload identity pod must carry the webhook's label; without
  // it the pod gets no federated token, so the edge is unresolved until the
  // label is added. NOTE: the CSI driver requests its own ServiceAccount
  // token (CSIDriver tokenRequests), so a mount alone may work unlabelled;
  // the message says so rather than calling the edge broken.
  std::string label = workload_identity_label_problem(pod);
  if (!label.empty())
    result.unresolved_reason =
        label + ". The Secrets Store CSI mount itself requests the ServiceAccount token, so "
                "add the label, or ignore this edge in the config file if only the mount reads "
                "Key Vault";
  return result;
}

}  // namespace sp::resolve::kubernetes
