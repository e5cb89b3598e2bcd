// The workload's own trust edge: whether the runtime role's trust policy
// admits the principal the platform presents when it assumes the role.
//   IRSA:         Federated arn:aws:iam::<acct>:oidc-provider/<issuer host>,
//                 sts:AssumeRoleWithWebIdentity, <issuer host>:sub =
//                 system:serviceaccount:<ns>:<sa> and <issuer host>:aud
//   ECS:          Service ecs-tasks.amazonaws.com, sts:AssumeRole
//   Pod Identity: Service pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession
#pragma once

#include <string>

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
/// `credentials`) and evaluates it. Any failure to read it gives kNotChecked
/// with the reason.
TrustCheck check_trust_edge(http::HttpTransport& transport, const auth::AwsCredentials& credentials,
                            const RuntimeIdentity& identity, const auth::RetryPolicy& retry);

}  // namespace sp::probe
