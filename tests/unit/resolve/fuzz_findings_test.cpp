// Inputs the fuzz targets in fuzz/ turned up, each of which crashed the
// resolver before its fix.
#include <catch2/catch.hpp>

#include <string>

#include "harness.h"
#include "config/config.h"
#include "resolve/aws/arn.h"
#include "resolve/aws/ecs_task_definition.h"
#include "resolve/azure/key_vault.h"
#include "resolve/gcp/names.h"
#include "resolve/placeholder.h"

namespace {
// Far longer than any valid name. std::regex recursed once per character on
// such values and overflowed the stack at about 50,000 characters in a
// release build.
const std::string kLong(200'000, 'a');
}  // namespace

// fuzz/ecs_value_from: the resource of an SSM ARN was cut after
// "parameter/" without checking that prefix, and substr() threw
// std::out_of_range when the resource was shorter.
TEST_CASE("short SSM ARN resource is an input error", "[resolve]") {
  sp::config::Config config;
  for (bool registry_credentials : {false, true}) {
    INFO("registry_credentials " << registry_credentials);
    auto target = sp::resolve::aws::parse_value_from(
        "arn:aws:ssm:us-east-1:111122223333:paramkey", config, registry_credentials);
    CHECK_FALSE(target.error.empty());
    CHECK(target.assumptions.empty());
  }
  auto target = sp::resolve::aws::parse_value_from(
      "arn:aws:ssm:us-east-1:111122223333:paramkey", config);
  CHECK(target.error ==
        "invalid SSM parameter ARN \"arn:aws:ssm:us-east-1:111122223333:paramkey\": the resource "
        "must start with \"parameter/\"");
}

TEST_CASE("long role ARN is not a role ARN", "[resolve]") {
  CHECK_FALSE(sp::resolve::aws::is_role_arn("arn:aws:iam::111122223333:role/" + kLong));
  CHECK(sp::resolve::aws::is_role_arn("arn:aws:iam::111122223333:role/api-runtime"));
}

TEST_CASE("long values skip placeholder patterns", "[resolve]") {
  CHECK(sp::resolve::find_placeholder("{{" + kLong).empty());
  CHECK(sp::resolve::find_placeholder("$" + kLong).empty());
  // A region that long is no region, so it is reported in place of one.
  CHECK(sp::resolve::find_placeholder("arn:aws:secretsmanager:us-" + kLong + ":1:secret:x") ==
        "us-" + kLong);
  CHECK(sp::resolve::find_placeholder("{{ .Values.x }}") == "{{ .Values.x }}");
}

TEST_CASE("long Google names are rejected", "[resolve]") {
  namespace gcp = sp::resolve::gcp;
  CHECK_FALSE(gcp::parse_secret_name("projects/p/secrets/" + kLong).has_value());
  CHECK_FALSE(gcp::is_service_account_email(kLong + "@" + kLong + ".com"));
  CHECK_FALSE(gcp::is_version("1" + std::string(200'000, '0')));
  CHECK(gcp::project_number({}, std::string(200'000, '1')).empty());
}

TEST_CASE("long vault URL has no vault host", "[resolve]") {
  CHECK_FALSE(sp::resolve::azure::vault_host("https://" + kLong + ".vault.azure.net/").has_value());
}

TEST_CASE("long role ARN annotation resolves", "[resolve]") {
  std::string manifests =
      "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: shop\n"
      "  annotations:\n    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/" +
      kLong +
      "\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
      "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    spec:\n"
      "      serviceAccountName: api\n      volumes:\n        - name: s\n"
      "          csi: {driver: secrets-store.csi.k8s.io, volumeAttributes: "
      "{secretProviderClass: files}}\n"
      "---\napiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\n"
      "metadata: {name: files, namespace: shop}\nspec:\n  provider: aws\n  parameters:\n"
      "    region: us-east-1\n    objects: |\n      - {objectName: db, objectType: secretsmanager}\n";
  auto result = sp::test::resolve_files({{"a.yaml", manifests}});
  REQUIRE(result.edges.size() == 1);
  CHECK(result.edges[0].identity.principal.empty());
}
