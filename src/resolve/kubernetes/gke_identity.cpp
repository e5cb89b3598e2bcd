#include "resolve/kubernetes/gke_identity.h"

#include "resolve/context.h"
#include "resolve/gcp/names.h"
#include "resolve/placeholder.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

constexpr const char* kServiceAccountAnnotation = "iam.gke.io/gcp-service-account";

// Returns the pool project and records where it came from; empty when
// neither the caller nor the config names one.
std::string choose_pool_project(const config::Config& config, const std::string& pool_project,
                                IdentityResult& result) {
  if (!pool_project.empty()) return pool_project;
  if (config.gcp.default_project.empty()) return "";
  result.assumptions.push_back("Workload Identity pool " + config.gcp.default_project +
                               ".svc.id.goog taken from gcp.default_project in the config file");
  return config.gcp.default_project;
}

void resolve_direct_principal(const config::Config& config, const std::string& display,
                              const std::string& pool_project, IdentityResult& result) {
  RuntimeIdentity& identity = result.identity;
  identity.mechanism = IdentityMechanism::kGkeDirectPrincipal;
  std::string project = choose_pool_project(config, pool_project, result);
  if (project.empty()) {
    result.unresolved_reason = display + " has no " + kServiceAccountAnnotation +
                               " annotation, so it reads as its own principal:// subject, which "
                               "names the cluster's project; set gcp.default_project in " +
                               config_file_name(config);
    return;
  }
  std::string number = gcp::project_number(config, project);
  if (number.empty()) {
    result.unresolved_reason = display + " has no " + kServiceAccountAnnotation +
                               " annotation, so it reads as its own principal:// subject, which "
                               "names the number of project " + project +
                               "; add {id: " + project + ", number: ...} under gcp.projects[] in " +
                               config_file_name(config);
    return;
  }
  identity.principal =
      gcp::gke_principal(number, project, identity.kubernetes_namespace, identity.service_account);
}

}  // namespace

IdentityResult resolve_gke_identity(const ObjectIndex& index, const config::Config& config,
                                    const std::string& kubernetes_namespace,
                                    const std::string& name, const std::string& pool_project) {
  IdentityResult result;
  RuntimeIdentity& identity = result.identity;
  identity.provider = "gcp";
  identity.audience.clear();
  identity.mechanism = IdentityMechanism::kGkeServiceAccount;
  identity.kubernetes_namespace = kubernetes_namespace;
  identity.service_account = name;
  std::string display = "ServiceAccount " + kubernetes_namespace + "/" + name;
  const KubeObject* account = index.find("ServiceAccount", kubernetes_namespace, name);
  if (!account) {
    result.unresolved_reason = display +
                               " is not in the scanned manifests; add it (with its " +
                               kServiceAccountAnnotation +
                               " annotation, if it uses one), or scan the manifests that create it";
    return result;
  }
  const manifest::Document& document = *account->document;
  YAML::Node metadata = util::child(account->node(), "metadata");
  identity.chain.push_back(make_step(document, metadata ? metadata : account->node(), display));
  std::string assumption = account->namespace_assumption();
  if (!assumption.empty()) result.assumptions.push_back(assumption);

  YAML::Node annotations = util::child(metadata, "annotations");
  YAML::Node email_node = util::child(annotations, kServiceAccountAnnotation);
  std::string email = util::scalar_text(email_node);
  if (email.empty()) {
    resolve_direct_principal(config, display, pool_project, result);
    return result;
  }
  identity.chain.push_back(
      make_step(document, email_node, std::string(kServiceAccountAnnotation) + " annotation"));
  // The Google service account must trust this ServiceAccount through the
  // pool's member name; the step shows which member, when the pool is known.
  std::string project = choose_pool_project(config, pool_project, result);
  if (!project.empty()) {
    identity.chain.push_back(make_step(
        document, email_node,
        "Workload Identity member " + gcp::gke_member(project, kubernetes_namespace, name)));
  }
  if (util::has_text(util::child(annotations, "iam.gke.io/gcp-service-account-delegates"))) {
    // NOTE: the delegation chain is recorded but not probed; the probe
    // impersonates the annotated account directly.
    result.assumptions.push_back(display +
                                 " names delegates in iam.gke.io/gcp-service-account-delegates, "
                                 "which are not checked");
  }
  std::string placeholder = find_placeholder(email);
  if (!placeholder.empty()) {
    result.unresolved_reason =
        placeholder_reason(std::string(kServiceAccountAnnotation) + " annotation", email,
                           placeholder);
  } else if (!gcp::is_service_account_email(email)) {
    result.unresolved_reason = std::string(kServiceAccountAnnotation) + " annotation \"" + email +
                               "\" on " + display +
                               " is not a service account email; write NAME@PROJECT.iam."
                               "gserviceaccount.com";
  } else {
    identity.principal = email;
  }
  return result;
}

}  // namespace sp::resolve::kubernetes
