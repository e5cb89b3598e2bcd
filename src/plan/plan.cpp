#include "plan/plan.h"

#include <algorithm>
#include <tuple>

namespace sp::plan {
namespace {

auto order_key(const PermissionEdge& edge) {
  const SourceLocation& at = edge.reference.location;
  return std::tie(at.file, at.line, at.column, edge.operation);
}

auto identity_key(const PermissionEdge& edge) {
  const RuntimeIdentity& identity = edge.identity;
  const SecretTarget& secret = edge.secret;
  return std::tie(edge.reference.location.file, edge.reference.location.line,
                  edge.reference.location.column, edge.reference.kind, edge.operation,
                  identity.provider, identity.principal, identity.mechanism,
                  identity.assumed_before, identity.kubernetes_namespace, identity.service_account,
                  identity.session_policy, secret.provider, secret.service, secret.id,
                  secret.region, secret.account, secret.project, secret.json_key,
                  secret.version_stage,
                  secret.version_id, secret.parameter_selector, edge.unresolved_reason);
}

}  // namespace

std::vector<PermissionEdge> build_plan(std::vector<PermissionEdge> edges) {
  std::stable_sort(
      edges.begin(), edges.end(),
      [](const PermissionEdge& a, const PermissionEdge& b) { return order_key(a) < order_key(b); });
  std::vector<PermissionEdge> plan;
  for (auto& edge : edges) {
    // Duplicates share the order key, so they sit in one run after sorting.
    bool duplicate = false;
    for (auto it = plan.rbegin(); it != plan.rend() && order_key(*it) == order_key(edge); ++it) {
      if (identity_key(*it) == identity_key(edge)) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate) plan.push_back(std::move(edge));
  }
  return plan;
}

}  // namespace sp::plan
