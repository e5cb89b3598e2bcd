// Becoming an Azure workload identity from CI. The CI's OIDC token is sent
// to Entra ID as a client assertion (OAuth2 client credentials grant with
// client_assertion_type jwt-bearer) for the managed identity's or app's
// client ID. Entra ID returns an access token when a federated identity
// credential on that identity matches the token's issuer, subject and
// audience. Each (tenant, client ID, scope) is requested once per run;
// concurrent callers wait for the first request instead of repeating it.
// Every token is registered with redaction the moment it arrives.
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/azure_endpoints.h"
#include "auth/ci_token.h"
#include "auth/retry.h"
#include "util/http.h"
#include "util/sensitive.h"

namespace sp::auth {

/// The resource an Azure token is requested for.
enum class AzureResource { kKeyVault, kManagement };

/// The step of becoming the identity that failed.
enum class AzureStep { kCiToken, kTokenRequest };

struct AzureTokenFailure {
  AzureStep step = AzureStep::kCiToken;
  /// Entra ID's error (code "AADSTS<n>" when it sent error_codes); empty for
  /// a CI token failure and when the run deadline passed before any attempt.
  std::optional<ProviderError> error;
  /// The reason the CI token could not be obtained (step kCiToken only).
  std::string token_error;
  bool token_error_transient = false;
  bool deadline_reached = false;
};

struct AzureToken {
  /// Set on success. Shared by every edge that uses the same token.
  std::shared_ptr<const SensitiveString> token;
  std::optional<AzureTokenFailure> failure;
  /// The CI token's iss, sub and aud, read without checking the signature
  /// and used only to print the federated credential to add.
  std::optional<TokenClaims> claims;
};

/// The form body of the client credentials request with `assertion` as
/// client_assertion, percent-encoded.
std::string client_assertion_form(const std::string& client_id, const std::string& scope,
                                  const std::string& assertion);

class AzureTokenBroker {
 public:
  /// `token_options` supplies the token file or variable and the audience
  /// the CI token is requested for (azure.audience).
  AzureTokenBroker(http::HttpTransport& transport, TokenOptions token_options, AzureCloud cloud, RetryPolicy retry)
      : transport_(transport),
        token_options_(std::move(token_options)),
        cloud_(std::move(cloud)),
        retry_(std::move(retry)) {}

  /// Returns an access token of `client_id` in `tenant` for `resource`,
  /// requesting it once per run.
  AzureToken token(const std::string& tenant, const std::string& client_id, AzureResource resource);

  const AzureCloud& cloud() const { return cloud_; }

 private:
  AzureToken request_token(const std::string& tenant, const std::string& client_id, const std::string& scope);

  http::HttpTransport& transport_;
  TokenOptions token_options_;
  AzureCloud cloud_;
  RetryPolicy retry_;
  std::mutex mutex_;
  std::map<std::string, std::shared_future<AzureToken>> tokens_;
};

}  // namespace sp::auth
