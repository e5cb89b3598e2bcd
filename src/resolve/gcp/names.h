// Google Cloud names the resolvers build and check: Secret Manager version
// resource names, service account emails, Workload Identity principals, and
// project numbers from the config file.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "core/model.h"

namespace sp::resolve::gcp {

/// The parts of `projects/P/secrets/S/versions/V` or the regional
/// `projects/P/locations/L/secrets/S/versions/V`. `version` is empty when the
/// name stops at the secret.
struct SecretName {
  std::string project;
  std::string location;
  std::string secret;
  std::string version;
};

/// Parses a secret or secret version resource name; nullopt for any other
/// text (a Parameter Manager name included).
std::optional<SecretName> parse_secret_name(const std::string& text);

/// Returns the version resource name that Secret Manager's
/// AccessSecretVersion takes.
std::string version_name(const SecretName& name);

/// True for a Secret Manager secret ID: 1 to 255 of [A-Za-z0-9_-].
bool is_secret_id(const std::string& text);

/// True for a version selector: `latest` or a positive version number.
/// Version aliases are also valid but cannot be checked offline.
bool is_version_number_or_latest(const std::string& text);

/// True for a version the platform may request: `latest`, a version number
/// or a version alias.
bool is_version(const std::string& text);

/// True for something shaped like a service account email (name@domain).
bool is_service_account_email(const std::string& text);

/// Returns a Secret Manager target for the version `name`.
SecretTarget make_secret_target(const SecretName& name);

/// Returns the project number of `project` (an ID or a number): the number
/// itself, or `gcp.projects[].number` from the config; empty when unknown.
std::string project_number(const config::Config& config, const std::string& project);

/// Returns the IAM principal of a Kubernetes ServiceAccount under GKE
/// Workload Identity Federation without a Google service account.
std::string gke_principal(const std::string& project_number, const std::string& pool_project,
                          const std::string& kubernetes_namespace,
                          const std::string& service_account);

/// Returns the older IAM member form of the same subject,
/// `serviceAccount:PROJECT.svc.id.goog[NS/KSA]`, which a Google service
/// account's roles/iam.workloadIdentityUser binding names.
std::string gke_member(const std::string& pool_project, const std::string& kubernetes_namespace,
                       const std::string& service_account);

/// Returns the Compute Engine default service account of a project number.
std::string default_compute_service_account(const std::string& project_number);

}  // namespace sp::resolve::gcp
