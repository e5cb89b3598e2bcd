// Becoming a Google service account from CI: the CI's OIDC token is
// exchanged at Google STS for a federated access token against a workload
// identity pool provider, and the federated token calls IAM Credentials
// generateAccessToken for the service account. Each provider is exchanged
// once and each service account impersonated once per run; concurrent
// callers wait for the first request instead of repeating it. Every token is
// registered with redaction the moment it arrives.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/ci_token.h"
#include "auth/retry.h"
#include "util/http.h"
#include "util/sensitive.h"

namespace sp::auth {

/// Which step of becoming a service account failed.
enum class GoogleStep { kCiToken, kExchange, kImpersonation };

struct GoogleTokenFailure {
  GoogleStep step = GoogleStep::kCiToken;
  /// The provider's error; empty for a CI token failure and when the run
  /// deadline passed before any attempt.
  std::optional<ProviderError> error;
  /// The ErrorInfo reason of a google.rpc.Status error, when present.
  std::string reason;
  /// Why the CI token could not be obtained (step kCiToken only).
  std::string token_error;
  bool token_error_transient = false;
  bool deadline_reached = false;
};

struct GoogleToken {
  /// Set on success. Shared by every edge that uses the same token.
  std::shared_ptr<const SensitiveString> token;
  std::optional<GoogleTokenFailure> failure;
  /// The CI token's `repository` claim (owner/repo), read without checking
  /// the signature and used only to print bindings; "" when unknown.
  std::string repository;
};

/// A workload identity pool provider and the audience the CI token is
/// requested for.
struct WorkloadProvider {
  /// projects/<NUM>/locations/global/workloadIdentityPools/<POOL>/providers/<PROV>
  std::string resource_name;
  /// Audience of the GitHub OIDC token; the STS request's own audience is
  /// always //iam.googleapis.com/<resource_name>.
  std::string token_audience;
};

/// The STS audience of `provider`: //iam.googleapis.com/<resource name>.
std::string sts_audience(const WorkloadProvider& provider);

/// Returns the `repository` claim of a JWT's payload without checking the
/// signature, or "" when `jwt` is not a JWT or has no such claim.
std::string repository_claim(const std::string& jwt);

class GoogleTokenBroker {
 public:
  /// `token_options` supplies the token file or variable; its audience is
  /// replaced by each provider's token_audience.
  GoogleTokenBroker(http::HttpTransport& transport, TokenOptions token_options, RetryPolicy retry)
      : transport_(transport), token_options_(std::move(token_options)), retry_(std::move(retry)) {}

  /// Returns the federated token for `provider`, exchanging once per run.
  GoogleToken federated_token(const WorkloadProvider& provider);

  /// Returns an access token of `service_account` (an email) obtained with
  /// the federated token of `provider`, impersonating once per run.
  GoogleToken service_account_token(const WorkloadProvider& provider, const std::string& service_account);

 private:
  GoogleToken cached(const std::string& key, const std::function<GoogleToken()>& fetch);
  GoogleToken exchange(const WorkloadProvider& provider);
  GoogleToken impersonate(const WorkloadProvider& provider, const std::string& service_account);

  http::HttpTransport& transport_;
  TokenOptions token_options_;
  RetryPolicy retry_;
  std::mutex mutex_;
  std::map<std::string, std::shared_future<GoogleToken>> tokens_;
};

}  // namespace sp::auth
