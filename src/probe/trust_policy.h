// The workload's own trust edge: whether the runtime role's trust policy
// admits the principal the platform presents when it assumes the role.
//   IRSA:         Federated arn:aws:iam::<acct>:oidc-provider/<issuer host>,
//                 sts:AssumeRoleWithWebIdentity, <issuer host>:sub =
//                 system:serviceaccount:<ns>:<sa> and <issuer host>:aud
//   ECS:          Service ecs-tasks.amazonaws.com, sts:AssumeRole
//   Pod Identity: Service pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession
//   Role chain:   AWS <role before it> (or its account root), sts:AssumeRole
#pragma once

#include <string>
#include <vector>

#include "auth/aws_credentials.h"
#include "auth/retry.h"
#include "core/model.h"
#include "util/http.h"

namespace sp::probe {

struct TrustCheck {
  enum class Outcome { kAdmitted, kNotAdmitted, kNotChecked };
  Outcome outcome = Outcome::kNotChecked;
  /// Reason the edge was not checked, or the permission the policy lacks.
  std::string note;
  /// On kNotAdmitted: the statement to add to the trust policy.
  std::string statement;
};

/// Returns the trust statement the platform needs for `identity`, or "" for
/// mechanisms this check does not cover.
std::string required_trust_statement(const RuntimeIdentity& identity);

/// Evaluates the trust policy document `policy_json` for `identity`. Allow
/// statements must match principal, action and every condition; a matching
/// Deny wins. Conditions on keys the platform's request does not define
/// (aws:SourceAccount and the like) cannot be evaluated here, so a statement
/// that needs one yields kNotChecked rather than a guess.
TrustCheck evaluate_trust_policy(const std::string& policy_json, const RuntimeIdentity& identity);

/// Reads the runtime role's trust policy with iam:GetRole (signed with
/// `credentials`) and evaluates it. Any failure to read it, and a role that
/// GetRole cannot reach because it is in another account than
/// `credentials`, gives kNotChecked with the reason.
TrustCheck check_trust_edge(http::HttpTransport& transport, const auth::AwsCredentials& credentials,
                            const RuntimeIdentity& identity, const auth::RetryPolicy& retry);

/// Returns the trust statement that lets a session of `caller_role_arn`
/// perform `actions` on the role that carries it.
std::string required_chain_statement(const std::string& caller_role_arn,
                                     const std::vector<std::string>& actions);

/// Evaluates the trust policy `policy_json` of `role_arn` for one hop of a
/// role chain: a session of `caller_role_arn` performing each of `actions`
/// (sts:AssumeRole, and sts:TagSession where the platform tags the session).
/// The request carries aws:PrincipalArn, aws:PrincipalAccount and
/// aws:PrincipalType, so conditions on other keys (sts:ExternalId,
/// aws:PrincipalTag/...) give kNotChecked.
TrustCheck evaluate_chain_trust_policy(const std::string& policy_json, const std::string& role_arn,
                                       const std::string& caller_role_arn,
                                       const std::vector<std::string>& actions);

/// Reads the trust policy of `role_arn` with iam:GetRole and evaluates it as
/// evaluate_chain_trust_policy() does. Read failures give kNotChecked.
TrustCheck check_chain_trust_edge(http::HttpTransport& transport, const auth::AwsCredentials& credentials,
                                  const std::string& role_arn, const std::string& caller_role_arn,
                                  const std::vector<std::string>& actions, const auth::RetryPolicy& retry);

}  // namespace sp::probe
