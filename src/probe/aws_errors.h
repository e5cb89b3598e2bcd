// Turning AWS error responses into verdicts, layers and fixes. The rules:
// access denials name their layer from the enhanced access-denied phrases
// ("because no identity-based policy allows ...", "with an explicit deny in a
// service control policy"); KMS-originated denials ("Access to KMS is not
// allowed", "(Service: AWSKMS; ...)") are the key policy; missing secrets and
// parameters are not-found; a secret marked for deletion is disabled; faults
// that retries did not clear are inconclusive, never ok.
#pragma once

#include <string>
#include <string_view>

#include "auth/aws_sts.h"
#include "core/model.h"

namespace sp::probe {

/// What a fix names: the operation, the role that needs it, and the secret.
struct FixContext {
  std::string operation;
  /// Runtime role ARN.
  std::string role_arn;
  SecretTarget secret;
};

struct Classification {
  Verdict verdict = Verdict::kInconclusive;
  Layer layer = Layer::kNone;
  std::string message;
  std::string fix;
};

/// Returns the layer an access-denied message names, kUnknown when it names
/// none. Matching is case-insensitive; the earliest phrase in the message wins.
Layer layer_from_message(std::string_view message);

/// Returns `message` without a trailing "(Service: ...)" SDK suffix and
/// without ": arn:..." tails after a policy phrase.
std::string strip_message_tail(std::string_view message);

/// Classifies an error returned by a probe call (Secrets Manager, SSM).
/// `deadline_reached` marks an error left when the run deadline stopped retries.
Classification classify_probe_error(const ProviderError& error, const FixContext& context,
                                    bool deadline_reached = false);

/// Classifies a failure to enter the runtime identity through STS: usually
/// identity-unavailable, with the trust statement that is missing as the fix.
/// `audience` is the audience the CI token was requested for.
Classification classify_session_failure(const auth::SessionFailure& failure,
                                        const FixContext& context, const std::string& audience);

/// Returns the trust statement that lets the CI's OIDC token assume
/// `role_arn`: Federated principal for the token's issuer in the role's
/// account, StringEquals on `aud` and `sub`.
std::string web_identity_trust_statement(const std::string& role_arn,
                                         const std::optional<auth::TokenClaims>& claims,
                                         const std::string& audience);

/// Returns the role name of a role ARN (its last path segment).
std::string role_name(const std::string& role_arn);

/// Returns the account of an ARN (its fifth field), or "" when absent.
std::string arn_account(const std::string& arn);

/// Returns how an IAM policy would name `secret`: for Secrets Manager,
/// "<name>-??????" (the random suffix of a secret ARN replaced), for SSM the
/// parameter name; "*" stays "*".
std::string policy_resource(const SecretTarget& secret);

}  // namespace sp::probe
