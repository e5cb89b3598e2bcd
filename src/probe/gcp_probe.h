// Google Cloud probes: Secret Manager's versions.access as the runtime
// service account (the read Cloud Run and GKE perform), Policy
// Troubleshooter for principals the CI cannot become, and the GKE
// Workload Identity trust edge on the service account's IAM policy.
#pragma once

#include <optional>
#include <string>

#include "auth/retry.h"
#include "core/model.h"
#include "probe/gcp_errors.h"
#include "probe/shared_reads.h"
#include "util/http.h"
#include "util/sensitive.h"

namespace sp::probe {

struct GoogleCall {
  http::HttpTransport& transport;
  /// Bearer token: the service account's token, or the federated token.
  const SensitiveString& token;
  auth::RetryPolicy retry;
  /// Other edges' JSON keys to check against the payload read; may be null.
  SharedKeys* shared = nullptr;
};

/// Returns the version `secret` names. `secret.id` is a secret id or a full
/// name projects/<P>/secrets/<S>[/versions/<V>]; the project comes from the
/// name, else `secret.project`, else `default_project`; the version from the
/// name, else `secret.version_id`, else "latest". Nullopt when no project is known.
std::optional<GoogleSecretVersion> google_secret_version(const SecretTarget& secret,
                                                         const std::string& default_project);

/// Performs GET v1/<version>:access as the call's token, checks
/// `json_key` in the decoded payload when one is named, and wipes the payload.
Classification access_secret_version(const GoogleFixContext& context, const std::string& json_key,
                                     const GoogleCall& call, std::optional<ProviderError>& error);

/// Asks Policy Troubleshooter v1 whether `context.principal` has
/// secretmanager.versions.access on the secret. The result is a simulation:
/// never ok, because no secret was read.
Classification simulate_secret_access(const GoogleFixContext& context, const GoogleCall& call,
                                      std::optional<ProviderError>& error);

struct GkeTrustCheck {
  enum class Outcome { kAdmitted, kNotAdmitted, kNotChecked };
  Outcome outcome = Outcome::kNotChecked;
  /// kNotAdmitted: what is missing. kNotChecked: why the policy was not read.
  std::string note;
  /// kNotAdmitted: the gcloud command that adds the binding.
  std::string fix;
};

/// Returns the workload identity pool member of a Kubernetes ServiceAccount:
/// serviceAccount:<project>.svc.id.goog[<namespace>/<name>].
std::string gke_member(const std::string& project, const std::string& kubernetes_namespace,
                       const std::string& service_account);

/// Returns the project of a service account email
/// (<name>@<project>.iam.gserviceaccount.com), or "" for other forms.
std::string service_account_project(const std::string& email);

/// Reads `service_account`'s IAM policy (POST v1/projects/-/serviceAccounts/
/// <email>:getIamPolicy) and checks that `member` holds
/// roles/iam.workloadIdentityUser without a condition.
GkeTrustCheck check_gke_trust(const std::string& service_account, const std::string& member,
                              const GoogleCall& call);

}  // namespace sp::probe
