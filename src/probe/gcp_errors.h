// Turning Google errors into verdicts, layers and fixes. Secret Manager's
// google.rpc.Status decides the probe verdict: PERMISSION_DENIED is denied at
// the IAM binding (Google returns it for a missing secret too, when the
// caller lacks access), NOT_FOUND is not-found, FAILED_PRECONDITION on a
// DISABLED or DESTROYED version is disabled, UNAUTHENTICATED is
// identity-unavailable, and faults that retries did not clear are
// inconclusive, never ok. STS and generateAccessToken failures are
// identity-unavailable, with the binding to add as the fix.
#pragma once

#include <string>

#include "auth/gcp_tokens.h"
#include "core/model.h"
#include "probe/aws_errors.h"

namespace sp::probe {

/// A Secret Manager version: projects/<project>/secrets/<secret>/versions/<version>.
struct GoogleSecretVersion {
  std::string project;
  std::string secret;
  /// A version number or an alias such as "latest", sent as written.
  std::string version = "latest";

  std::string secret_name() const { return "projects/" + project + "/secrets/" + secret; }
  std::string version_name() const { return secret_name() + "/versions/" + version; }
};

/// What Google fixes name: the runtime principal and the secret version.
struct GoogleFixContext {
  /// Service account email, or a principal:// identifier for a GKE
  /// Kubernetes ServiceAccount used directly.
  std::string principal;
  GoogleSecretVersion secret;
  auth::WorkloadProvider provider;
  /// owner/repo of the CI token; "" when unknown.
  std::string repository;
};

/// Returns the IAM member for `principal`: "serviceAccount:<email>", or the
/// principal:// identifier unchanged.
std::string iam_member(const std::string& principal);

/// Returns the principalSet of the CI's repository in `provider`'s pool:
/// principalSet://iam.googleapis.com/projects/<NUM>/locations/global/
/// workloadIdentityPools/<POOL>/attribute.repository/<owner/repo>. An unknown
/// repository is written as <owner>/<repo>.
std::string repository_principal_set(const auth::WorkloadProvider& provider, const std::string& repository);

/// Returns the gcloud command that lets the CI's repository impersonate
/// `service_account`.
std::string workload_identity_user_binding(const std::string& service_account,
                                           const auth::WorkloadProvider& provider,
                                           const std::string& repository);

/// Classifies a Secret Manager access error. `reason` is the ErrorInfo
/// reason, when the error carries one.
Classification classify_secret_access_error(const ProviderError& error, const std::string& reason,
                                            const GoogleFixContext& context, bool deadline_reached);

/// Classifies a failure to obtain the federated token or to impersonate
/// `context.principal`.
Classification classify_google_token_failure(const auth::GoogleTokenFailure& failure,
                                             const GoogleFixContext& context);

}  // namespace sp::probe
