#include "plan/plan.h"

#include <catch2/catch.hpp>

using sp::PermissionEdge;

namespace {
PermissionEdge edge_at(const std::string& file, int line, int column, const std::string& operation,
                       const std::string& principal = "arn:aws:iam::111122223333:role/r") {
  PermissionEdge edge;
  edge.reference.location = {file, line, column};
  edge.operation = operation;
  edge.identity.principal = principal;
  edge.secret.service = "secretsmanager";
  edge.secret.id = "app/db";
  return edge;
}

std::vector<std::string> positions(const std::vector<PermissionEdge>& edges) {
  std::vector<std::string> result;
  for (const auto& edge : edges) {
    const auto& at = edge.reference.location;
    result.push_back(at.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
                     " " + edge.operation);
  }
  return result;
}
}  // namespace

TEST_CASE("Plan sorts by file, line, column, operation", "[plan]") {
  auto plan = sp::plan::build_plan({
      edge_at("b.yaml", 1, 1, "ssm:GetParameters"),
      edge_at("a.yaml", 10, 5, "secretsmanager:ListSecrets"),
      edge_at("a.yaml", 10, 5, "secretsmanager:BatchGetSecretValue"),
      edge_at("a.yaml", 9, 30, "ssm:GetParameters"),
      edge_at("a.yaml", 10, 2, "ssm:GetParameters"),
  });
  CHECK(positions(plan) == std::vector<std::string>{
                               "a.yaml:9:30 ssm:GetParameters",
                               "a.yaml:10:2 ssm:GetParameters",
                               "a.yaml:10:5 secretsmanager:BatchGetSecretValue",
                               "a.yaml:10:5 secretsmanager:ListSecrets",
                               "b.yaml:1:1 ssm:GetParameters",
                           });
}

TEST_CASE("Plan drops exact duplicates only", "[plan]") {
  PermissionEdge first = edge_at("a.yaml", 3, 7, "secretsmanager:GetSecretValue");
  first.identity.chain.push_back({"Deployment shop/a", {"a.yaml", 1, 1}});
  PermissionEdge same_identity_other_workload = first;
  same_identity_other_workload.identity.chain[0].step = "Deployment shop/b";
  PermissionEdge other_role = edge_at("a.yaml", 3, 7, "secretsmanager:GetSecretValue",
                                      "arn:aws:iam::111122223333:role/other");
  PermissionEdge other_key = first;
  other_key.secret.json_key = "password";

  auto plan = sp::plan::build_plan({first, same_identity_other_workload, other_role, other_key});
  REQUIRE(plan.size() == 3);
  CHECK(plan[0].identity.chain[0].step == "Deployment shop/a");
  CHECK(plan[1].identity.principal == "arn:aws:iam::111122223333:role/other");
  CHECK(plan[2].secret.json_key == "password");
}
