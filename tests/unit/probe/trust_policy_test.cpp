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
