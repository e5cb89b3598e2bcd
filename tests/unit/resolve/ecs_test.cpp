#include <catch2/catch.hpp>

#include "harness.h"
#include "resolve/aws/ecs_task_definition.h"

using sp::IdentityMechanism;
using sp::PermissionEdge;
using sp::resolve::aws::parse_value_from;

namespace {
const std::string kRoot = TEST_DATA_DIR "/unit/resolve/fixtures/repo";

sp::config::Config config_with_region() {
  sp::config::Config config;
  config.aws.region = "eu-west-1";
  config.aws.account = "111122223333";
  return config;
}
}  // namespace

TEST_CASE("ECS execution role fetches every secret", "[resolve]") {
  auto result = sp::resolve::resolve_repository(kRoot, {"deploy/ecs"}, config_with_region());
  CHECK(result.diagnostics.empty());
  CHECK(result.manifest_files == 1);
  REQUIRE(result.edges.size() == 4);
  for (const PermissionEdge& edge : result.edges) {
    CHECK(edge.identity.principal == "arn:aws:iam::111122223333:role/payments-exec");
    CHECK(edge.identity.mechanism == IdentityMechanism::kEcsExecutionRole);
    CHECK(edge.unresolved_reason.empty());
    CHECK(edge.reference.location.file == "deploy/ecs/payments.json");
  }
  const PermissionEdge& registry = result.edges[3];
  CHECK(registry.reference.kind == "ecs-repository-credentials");
  CHECK(registry.reference.path ==
        "containerDefinitions[api].repositoryCredentials.credentialsParameter");
  CHECK(registry.reference.location.line == 11);
  CHECK(registry.reference.location.column == 33);
  CHECK(registry.operation == "secretsmanager:GetSecretValue");
  CHECK(sp::test::chain_steps(registry) ==
        std::vector<std::string>{"task definition payments-api@2",
                                 "executionRoleArn fetches registry credentials@3"});

  const PermissionEdge& password = result.edges[0];
  CHECK(password.reference.kind == "ecs-container-secret");
  CHECK(password.reference.path == "containerDefinitions[api].secrets[DB_PASSWORD].valueFrom");
  CHECK(password.reference.location.line == 15);
  CHECK(password.secret.service == "secretsmanager");
  CHECK(password.secret.id ==
        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:payments/db-XyZ789");
  CHECK(password.secret.json_key == "password");
  CHECK(password.secret.version_stage == "AWSCURRENT");
  CHECK(password.secret.region == "eu-west-1");
  CHECK(password.secret.account == "111122223333");
  CHECK(sp::test::chain_steps(password) ==
        std::vector<std::string>{"task definition payments-api@2",
                                 "executionRoleArn fetches container secrets@3"});

  const PermissionEdge& feature = result.edges[1];
  CHECK(feature.secret.service == "ssm");
  CHECK(feature.secret.id == "/payments/feature-key");
  CHECK(feature.operation == "ssm:GetParameters");
  CHECK(feature.secret.region == "eu-west-1");
  CHECK(feature.assumptions.size() == 2);

  const PermissionEdge& splunk = result.edges[2];
  CHECK(splunk.reference.kind == "ecs-log-secret-option");
  CHECK(splunk.reference.path ==
        "containerDefinitions[api].logConfiguration.secretOptions[splunk-token].valueFrom");
  CHECK(splunk.secret.id == "arn:aws:ssm:eu-west-1:111122223333:parameter/payments/splunk-token");
  CHECK(splunk.operation == "ssm:GetParameters");
}

TEST_CASE("valueFrom forms parse as the agent reads them", "[resolve]") {
  struct Case {
    std::string value;
    std::string service;
    std::string id;
    std::string json_key;
    std::string stage;
    std::string version_id;
    std::string region;
  };
  const std::string arn = "arn:aws:secretsmanager:us-west-2:444455556666:secret:app/db";
  std::vector<Case> cases = {
      {arn, "secretsmanager", arn, "", "AWSCURRENT", "", "us-west-2"},
      {arn + "-AbC123", "secretsmanager", arn + "-AbC123", "", "AWSCURRENT", "", "us-west-2"},
      {arn + ":user::", "secretsmanager", arn, "user", "AWSCURRENT", "", "us-west-2"},
      {arn + "::AWSPREVIOUS:", "secretsmanager", arn, "", "AWSPREVIOUS", "", "us-west-2"},
      {arn + ":pw::0f1e2d", "secretsmanager", arn, "pw", "", "0f1e2d", "us-west-2"},
      {"arn:aws:ssm:us-west-2:444455556666:parameter/a/b", "ssm",
       "arn:aws:ssm:us-west-2:444455556666:parameter/a/b", "", "", "", "us-west-2"},
      {"plain-name", "ssm", "plain-name", "", "", "", "eu-west-1"},
      {"/aws/reference/secretsmanager/app/db", "ssm", "/aws/reference/secretsmanager/app/db", "",
       "", "", "eu-west-1"},
  };
  for (const auto& test : cases) {
    INFO(test.value);
    auto target = parse_value_from(test.value, config_with_region());
    CHECK(target.error.empty());
    CHECK(target.unresolved_reason.empty());
    CHECK(target.secret.service == test.service);
    CHECK(target.secret.id == test.id);
    CHECK(target.secret.json_key == test.json_key);
    CHECK(target.secret.version_stage == test.stage);
    CHECK(target.secret.version_id == test.version_id);
    CHECK(target.secret.region == test.region);
  }
}

TEST_CASE("Malformed valueFrom is an input error", "[resolve]") {
  const std::string arn = "arn:aws:secretsmanager:us-west-2:444455556666:secret:app/db";
  struct Case {
    std::string value;
    std::string error;
  };
  std::vector<Case> cases = {
      {arn + ":password", "invalid valueFrom \"" + arn +
                              ":password\": after the secret name ECS accepts nothing or exactly "
                              "\":<json-key>:<version-stage>:<version-id>\" (write empty fields "
                              "as \"::\")"},
      {arn + ":k:AWSCURRENT:abc", "invalid valueFrom \"" + arn +
                                      ":k:AWSCURRENT:abc\": version-stage and version-id exclude "
                                      "each other; keep one"},
      {"arn:aws:s3:::bucket/key",
       "\"arn:aws:s3:::bucket/key\" names service \"s3\"; ECS reads "
       "secrets only from Secrets Manager and SSM Parameter Store"},
  };
  for (const auto& test : cases) {
    INFO(test.value);
    CHECK(parse_value_from(test.value, config_with_region()).error == test.error);
  }
}

TEST_CASE("ECS edges without a determined identity are unresolved", "[resolve]") {
  SECTION("no executionRoleArn") {
    auto result = sp::test::resolve_files(
        {{"td.json",
          R"({"family": "web", "taskRoleArn": "arn:aws:iam::111122223333:role/app",
              "containerDefinitions": [{"name": "app", "secrets": [
                {"name": "A", "valueFrom": "arn:aws:ssm:us-east-1:111122223333:parameter/a"}]}]})"}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].identity.principal.empty());
    CHECK(result.edges[0].unresolved_reason ==
          "task definition web names secrets but has no executionRoleArn; add executionRoleArn, "
          "the role ECS fetches secrets with (taskRoleArn is never used)");
  }
  SECTION("parameter name without a configured region") {
    auto result = sp::test::resolve_files(
        {{"td.json",
          R"({"family": "web", "executionRoleArn": "arn:aws:iam::111122223333:role/exec",
              "containerDefinitions": [{"name": "app", "secrets": [
                {"name": "A", "valueFrom": "/web/a"}]}]})"}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].identity.principal == "arn:aws:iam::111122223333:role/exec");
    CHECK(result.edges[0].unresolved_reason ==
          "\"/web/a\" is a parameter name, which ECS reads in the task's own region; set "
          "aws.region in .github/secret-preflight.yml or use the full ARN");
  }
  SECTION("templated executionRoleArn") {
    auto result = sp::test::resolve_files(
        {{"td.json",
          R"({"family": "web", "executionRoleArn": "arn:aws:iam::${ACCOUNT_ID}:role/exec",
              "containerDefinitions": [{"name": "app", "secrets": [
                {"name": "A", "valueFrom": "arn:aws:ssm:us-east-1:111122223333:parameter/a"}]}]})"}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].unresolved_reason ==
          "executionRoleArn \"arn:aws:iam::${ACCOUNT_ID}:role/exec\" still holds the template "
          "placeholder \"${ACCOUNT_ID}\"; render the manifests (helm template, envsubst, "
          "kustomize build) and scan the output");
  }
}
