// Becoming a runtime identity through AWS STS. The CI's OIDC token goes to
// AssumeRoleWithWebIdentity (unsigned) for the first role of the chain; each
// further role is entered with a signed AssumeRole from the previous
// session. A chain is, in order: the preflight role from the config file (if
// any), the roles the platform assumes first (RuntimeIdentity.assumed_before,
// e.g. External Secrets additionalRoles), then the runtime role. Without a
// preflight role the CI enters the first of those directly.
#pragma once

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "auth/aws_credentials.h"
#include "auth/ci_token.h"
#include "auth/retry.h"
#include "core/model.h"
#include "util/http.h"

namespace sp::auth {

/// One role to enter.
struct Hop {
  std::string role_arn;
  /// True for AssumeRoleWithWebIdentity with the CI token, false for AssumeRole.
  bool web_identity = false;
  /// Inline session policy (JSON) sent as `Policy`; empty sends none.
  std::string session_policy;
};

/// Why a chain could not be entered, for the caller to classify.
struct SessionFailure {
  /// Index of the hop that failed, into the hops passed to session_for().
  size_t hop_index = 0;
  Hop hop;
  /// The role whose session called AssumeRole; empty for web identity.
  std::string caller_role_arn;
  /// Set when STS answered with an error (or the transport failed).
  std::optional<ProviderError> error;
  /// Set when no CI token could be obtained.
  std::string token_error;
  bool token_error_transient = false;
  /// True when the run deadline stopped the exchange.
  bool deadline_reached = false;
  /// Claims of the CI token, to print the trust statement that is missing.
  std::optional<TokenClaims> claims;
};

/// Credentials of the last hop, or the failure. `first_hop` holds the
/// credentials of the first hop when it succeeded (the preflight role when one
/// is configured), for reading trust policies with iam:GetRole.
struct SessionResult {
  std::shared_ptr<const AwsCredentials> credentials;
  std::shared_ptr<const AwsCredentials> first_hop;
  std::optional<SessionFailure> failure;
};

struct StsOptions {
  /// Region of the STS endpoint and of the signature.
  std::string region;
  /// Marks the sessions: RoleSessionName is "secret-preflight-<run id>".
  std::string run_id;
  RetryPolicy retry;
  /// Requested session lifetime; 900 s is STS's minimum.
  int duration_seconds = 900;
  /// How long one CI token serves further AssumeRoleWithWebIdentity calls.
  /// GitHub's tokens are valid for about five minutes after issue, so a
  /// minute leaves room for a slow exchange; 0 fetches a token per call.
  std::chrono::seconds token_reuse{60};
};

/// The probe actions, the only ones a borrowed runtime session may use by default.
std::string probe_session_policy();

/// Session policy for intermediate hops: just enough to continue the chain
/// (sts:AssumeRole, sts:TagSession) and to read trust policies (iam:GetRole).
std::string chain_session_policy();

/// Returns the hops that make `identity`: see the file comment for the order.
/// `preflight_role` comes from config::preflight_role_for() and may be empty.
/// With `narrow_sessions`, the last hop carries probe_session_policy() and the
/// others chain_session_policy(); a platform session policy
/// (identity.session_policy) replaces the last hop's policy in any case,
/// because the platform sends it too.
std::vector<Hop> plan_hops(const RuntimeIdentity& identity, const std::string& preflight_role,
                           bool narrow_sessions);

/// Returns "secret-preflight-<run id>" with characters outside [\w+=,.@-]
/// replaced by '-', cut to STS's limit of 64 characters.
std::string role_session_name(const std::string& run_id);

/// Returns GITHUB_RUN_ID (with GITHUB_RUN_ATTEMPT), else "<unix time>-<pid>".
std::string default_run_id();

class StsClient {
 public:
  StsClient(http::HttpTransport& transport, CiTokenSource& tokens, StsOptions options);

  /// Enters the chain `hops`. Each chain prefix is exchanged at most once per
  /// run: concurrent callers of the same chain wait for the one exchange and
  /// share its result, failures included.
  SessionResult session_for(const std::vector<Hop>& hops);

 private:
  SessionResult enter(const std::vector<Hop>& hops);
  std::variant<std::shared_ptr<const AwsCredentials>, SessionFailure> assume_with_web_identity(
      const Hop& hop);
  std::variant<std::shared_ptr<const AwsCredentials>, SessionFailure> assume_role(
      const Hop& hop, const AwsCredentials& caller, const std::string& caller_role_arn);
  /// Returns a CI token fetched within options_.token_reuse, else a new one.
  /// Concurrent callers wait for one fetch.
  TokenResult recent_token();
  /// Fetches a new CI token and keeps it for recent_token().
  TokenResult fresh_token();

  http::HttpTransport& transport_;
  CiTokenSource& tokens_;
  StsOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::shared_future<SessionResult>> sessions_;
  std::mutex token_mutex_;
  std::optional<TokenResult> token_;
  std::chrono::steady_clock::time_point token_fetched_;
};

/// Reads Credentials from an AssumeRole* response body and registers the
/// secret parts with redaction; nullopt when the document lacks them.
std::optional<AwsCredentials> parse_credentials(const std::string& xml_body);

}  // namespace sp::auth
