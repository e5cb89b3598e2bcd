// IAM trust policy documents (JSON, as iam:GetRole returns them decoded),
// evaluated for an IRSA workload, an ECS task, an EKS Pod Identity
// association and one hop of a role chain.
#include <cstddef>
#include <cstdint>
#include <string>

#include "probe/trust_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string policy(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string role = "arn:aws:iam::111122223333:role/api-runtime";
  sp::RuntimeIdentity identity;
  identity.principal = role;
  identity.kubernetes_namespace = "shop";
  identity.service_account = "api";
  identity.oidc_issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
  switch (data[0] % 4) {
    case 0:
      identity.mechanism = sp::IdentityMechanism::kIrsa;
      break;
    case 1:
      identity.mechanism = sp::IdentityMechanism::kEcsExecutionRole;
      break;
    case 2:
      identity.mechanism = sp::IdentityMechanism::kPodIdentity;
      break;
    default:
      (void)sp::probe::evaluate_chain_trust_policy(
          policy, role, "arn:aws:iam::111122223333:role/secret-preflight",
          {"sts:AssumeRole", "sts:TagSession"});
      return 0;
  }
  (void)sp::probe::evaluate_trust_policy(policy, identity);
  return 0;
}
