#include <catch2/catch.hpp>

#include "probe/trust_policy.h"

using Outcome = sp::probe::TrustCheck::Outcome;

namespace {

sp::RuntimeIdentity irsa() {
  sp::RuntimeIdentity identity;
  identity.principal = "arn:aws:iam::111122223333:role/orders";
  identity.mechanism = sp::IdentityMechanism::kIrsa;
  identity.kubernetes_namespace = "shop";
  identity.service_account = "orders-api";
  identity.oidc_issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
  return identity;
}

const char* kIrsaPolicy = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",
  "Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"},
  "Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{
  "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud":"sts.amazonaws.com"},
  "StringLike":{"oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub":"system:serviceaccount:shop:*"}}}]})";

}  // namespace

TEST_CASE("IRSA trust admits the ServiceAccount", "[probe]") {
  CHECK(sp::probe::evaluate_trust_policy(kIrsaPolicy, irsa()).outcome == Outcome::kAdmitted);
}

TEST_CASE("IRSA trust rejects another namespace", "[probe]") {
  auto identity = irsa();
  identity.kubernetes_namespace = "billing";
  auto check = sp::probe::evaluate_trust_policy(kIrsaPolicy, identity);
  CHECK(check.outcome == Outcome::kNotAdmitted);
  CHECK(check.statement.find("system:serviceaccount:billing:orders-api") != std::string::npos);
}

TEST_CASE("IRSA without issuer is not checked", "[probe]") {
  auto identity = irsa();
  identity.oidc_issuer.clear();
  auto check = sp::probe::evaluate_trust_policy(kIrsaPolicy, identity);
  CHECK(check.outcome == Outcome::kNotChecked);
  CHECK(check.note == "the cluster's OIDC issuer is unknown (set kubernetes.cluster.oidc_issuer)");
}

TEST_CASE("ECS trust needs ecs-tasks service", "[probe]") {
  sp::RuntimeIdentity identity;
  identity.principal = "arn:aws:iam::1:role/exec";
  identity.mechanism = sp::IdentityMechanism::kEcsExecutionRole;
  const std::string ecs = R"({"Statement":{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com"]},"Action":"sts:AssumeRole"}})";
  const std::string lambda = R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  const std::string with_source = R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"1"}}}]})";
  const std::string denied = R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:*"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]})";
  CHECK(sp::probe::evaluate_trust_policy(ecs, identity).outcome == Outcome::kAdmitted);
  CHECK(sp::probe::evaluate_trust_policy(lambda, identity).outcome == Outcome::kNotAdmitted);
  CHECK(sp::probe::evaluate_trust_policy(with_source, identity).outcome == Outcome::kNotChecked);
  CHECK(sp::probe::evaluate_trust_policy(denied, identity).outcome == Outcome::kNotAdmitted);
}

TEST_CASE("Pod Identity trust needs TagSession", "[probe]") {
  sp::RuntimeIdentity identity;
  identity.principal = "arn:aws:iam::1:role/pod";
  identity.mechanism = sp::IdentityMechanism::kPodIdentity;
  const std::string both = R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]})";
  const std::string only_assume = R"({"Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  CHECK(sp::probe::evaluate_trust_policy(both, identity).outcome == Outcome::kAdmitted);
  auto check = sp::probe::evaluate_trust_policy(only_assume, identity);
  CHECK(check.outcome == Outcome::kNotAdmitted);
  CHECK(check.note == "the trust policy of pod does not allow pods.eks.amazonaws.com to perform sts:TagSession");
}

namespace {

const std::string kBase = "arn:aws:iam::111122223333:role/shop-eso";
const std::string kReader = "arn:aws:iam::444455556666:role/shop-secrets-reader";

// Returns a trust policy with one Allow of sts:AssumeRole for `principal`,
// plus `condition` (a JSON object) when given.
std::string chain_policy(const std::string& principal, const std::string& condition = "") {
  std::string statement = R"({"Effect":"Allow","Principal":{"AWS":")" + principal +
                          R"("},"Action":"sts:AssumeRole")";
  if (!condition.empty()) statement += R"(,"Condition":)" + condition;
  return R"({"Version":"2012-10-17","Statement":[)" + statement + "}]}";
}

Outcome chain_outcome(const std::string& policy) {
  return sp::probe::evaluate_chain_trust_policy(policy, kReader, kBase, {"sts:AssumeRole"}).outcome;
}

}  // namespace

TEST_CASE("chain trust admits the role before", "[probe]") {
  CHECK(chain_outcome(chain_policy(kBase)) == Outcome::kAdmitted);
  CHECK(chain_outcome(chain_policy("arn:aws:iam::111122223333:root")) == Outcome::kAdmitted);
  CHECK(chain_outcome(chain_policy("111122223333")) == Outcome::kAdmitted);
  CHECK(chain_outcome(chain_policy("*")) == Outcome::kAdmitted);
}

TEST_CASE("chain trust rejects other principals", "[probe]") {
  CHECK(chain_outcome(chain_policy("arn:aws:iam::111122223333:role/someone-else")) ==
        Outcome::kNotAdmitted);
  CHECK(chain_outcome(chain_policy("arn:aws:iam::999999999999:root")) == Outcome::kNotAdmitted);
  std::string github_only =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":)"
      R"("arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com"},)"
      R"("Action":"sts:AssumeRoleWithWebIdentity"}]})";
  auto check = sp::probe::evaluate_chain_trust_policy(github_only, kReader, kBase, {"sts:AssumeRole"});
  CHECK(check.outcome == Outcome::kNotAdmitted);
  CHECK(check.note == "the trust policy of shop-secrets-reader does not allow " + kBase +
                          " to perform sts:AssumeRole");
  CHECK(check.statement ==
        R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/shop-eso"},)"
        R"("Action":"sts:AssumeRole"})");
}

TEST_CASE("chain trust honours known conditions", "[probe]") {
  CHECK(chain_outcome(chain_policy("111122223333",
                                   R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/shop-*"}})")) ==
        Outcome::kAdmitted);
  CHECK(chain_outcome(chain_policy("111122223333",
                                   R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/other"}})")) ==
        Outcome::kNotAdmitted);
  CHECK(chain_outcome(chain_policy(kBase, R"({"StringEquals":{"aws:PrincipalAccount":"111122223333"}})")) ==
        Outcome::kAdmitted);
}

TEST_CASE("chain trust leaves unknown conditions", "[probe]") {
  auto check = sp::probe::evaluate_chain_trust_policy(
      chain_policy(kBase, R"({"StringEquals":{"sts:ExternalId":"shop-7"}})"), kReader, kBase,
      {"sts:AssumeRole"});
  CHECK(check.outcome == Outcome::kNotChecked);
  CHECK(check.note == "the trust policy of shop-secrets-reader has conditions or elements this check "
                      "cannot evaluate");
  CHECK(chain_outcome(chain_policy(kBase, R"({"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}})")) ==
        Outcome::kNotChecked);
}

TEST_CASE("chain trust Deny wins", "[probe]") {
  std::string policy = R"({"Version":"2012-10-17","Statement":[)"
                       R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:*"},)"
                       R"({"Effect":"Deny","Principal":{"AWS":")" +
                       kBase + R"("},"Action":"sts:AssumeRole"}]})";
  CHECK(chain_outcome(policy) == Outcome::kNotAdmitted);
}

TEST_CASE("chain trust needs every action", "[probe]") {
  auto check = sp::probe::evaluate_chain_trust_policy(chain_policy(kBase), kReader, kBase,
                                                      {"sts:AssumeRole", "sts:TagSession"});
  CHECK(check.outcome == Outcome::kNotAdmitted);
  CHECK(check.statement ==
        R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/shop-eso"},)"
        R"("Action":["sts:AssumeRole","sts:TagSession"]})");
}
