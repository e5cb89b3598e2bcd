#include "core/model.h"

#include <array>
#include <utility>

namespace sp {
namespace {

constexpr std::array<std::pair<Verdict, std::string_view>, 8> kVerdictNames = {{
    {Verdict::kOk, "ok"},
    {Verdict::kDenied, "denied"},
    {Verdict::kNotFound, "not-found"},
    {Verdict::kDisabled, "disabled"},
    {Verdict::kKeyMissing, "key-missing"},
    {Verdict::kIdentityUnavailable, "identity-unavailable"},
    {Verdict::kInconclusive, "inconclusive"},
    {Verdict::kUnresolved, "unresolved"},
}};

constexpr std::array<std::pair<Layer, std::string_view>, 14> kLayerNames = {{
    {Layer::kNone, ""},
    {Layer::kIdentityPolicy, "identity-policy"},
    {Layer::kResourcePolicy, "resource-policy"},
    {Layer::kKmsKeyPolicy, "kms-key-policy"},
    {Layer::kPermissionsBoundary, "permissions-boundary"},
    {Layer::kScp, "scp"},
    {Layer::kSessionPolicy, "session-policy"},
    {Layer::kVpcEndpointPolicy, "vpc-endpoint-policy"},
    {Layer::kIamBinding, "iam-binding"},
    {Layer::kRbacRoleAssignment, "rbac-role-assignment"},
    {Layer::kAccessPolicy, "access-policy"},
    {Layer::kNetwork, "network"},
    {Layer::kTrustPolicy, "trust-policy"},
    {Layer::kUnknown, "unknown"},
}};

}  // namespace

std::string_view to_string(Verdict verdict) {
  for (const auto& [value, name] : kVerdictNames)
    if (value == verdict) return name;
  return "inconclusive";
}

std::string_view to_string(Layer layer) {
  for (const auto& [value, name] : kLayerNames)
    if (value == layer) return name;
  return "unknown";
}

std::optional<Verdict> parse_verdict(std::string_view text) {
  for (const auto& [value, name] : kVerdictNames)
    if (name == text) return value;
  return std::nullopt;
}

std::optional<Layer> parse_layer(std::string_view text) {
  for (const auto& [value, name] : kLayerNames)
    if (!name.empty() && name == text) return value;
  return std::nullopt;
}

const std::vector<Verdict>& all_verdicts() {
  static const std::vector<Verdict> verdicts = [] {
    std::vector<Verdict> list;
    for (const auto& entry : kVerdictNames) list.push_back(entry.first);
    return list;
  }();
  return verdicts;
}

}  // namespace sp
