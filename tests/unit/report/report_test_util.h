// Builders for the report tests' edge results.
#pragma once

#include <string>

#include "core/model.h"

namespace sp::report::testing {

inline EdgeResult make_result(std::string file, int line, int column, Verdict verdict,
                              std::string secret_id = "shop/stripe") {
  EdgeResult result;
  PermissionEdge& edge = result.edge;
  edge.reference.location = {std::move(file), line, column};
  edge.reference.kind = "ecs-container-secret";
  edge.reference.path = "containerDefinitions[api].secrets[STRIPE_API_KEY].valueFrom";
  edge.secret.provider = "aws";
  edge.secret.service = "secretsmanager";
  edge.secret.id = std::move(secret_id);
  edge.secret.region = "us-east-1";
  edge.identity.provider = "aws";
  edge.identity.principal = "arn:aws:iam::111122223333:role/shop-api-exec";
  edge.identity.chain = {
      {"task definition shop-api", {edge.reference.location.file, 2, 0}},
      {"executionRoleArn fetches container secrets", {edge.reference.location.file, 8, 0}},
  };
  edge.operation = "secretsmanager:GetSecretValue";
  result.verdict = verdict;
  if (verdict == Verdict::kDenied) result.layer = Layer::kIdentityPolicy;
  result.message = "The runtime identity cannot read the secret.";
  if (verdict != Verdict::kOk) result.fix = "Allow secretsmanager:GetSecretValue.";
  return result;
}

}  // namespace sp::report::testing
