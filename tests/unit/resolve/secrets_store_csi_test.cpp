#include "resolve/kubernetes/secrets_store_csi.h"

#include <catch2/catch.hpp>

#include "harness.h"

using sp::IdentityMechanism;
using sp::PermissionEdge;

namespace {
const std::string kRoot = TEST_DATA_DIR "/unit/resolve/fixtures/repo";

const std::string kServiceAccount = R"(apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: shop
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api-runtime
)";

// A Deployment in namespace `ns` that mounts class `name` as ServiceAccount api.
std::string deployment(const std::string& ns_line = "  namespace: shop\n") {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n" + ns_line +
         "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    spec:\n"
         "      serviceAccountName: api\n      volumes:\n        - name: s\n"
         "          csi:\n            driver: secrets-store.csi.k8s.io\n"
         "            volumeAttributes: {secretProviderClass: files}\n";
}

std::string provider_class(const std::string& parameters) {
  return "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\n"
         "metadata: {name: files, namespace: shop}\nspec:\n  provider: aws\n  parameters:\n" +
         parameters;
}
}  // namespace

TEST_CASE("CSI object yields IRSA edge at its line", "[resolve]") {
  auto result = sp::resolve::resolve_repository(kRoot, {"deploy/k8s/orders.yaml"}, {});
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 2);

  const PermissionEdge& password = result.edges[0];
  CHECK(password.reference.kind == "csi-object");
  CHECK(password.reference.path ==
        "spec.parameters.objects[shop/orders/db].jmesPath[password].path");
  CHECK(password.reference.location.line == 42);
  CHECK(password.reference.location.column == 21);
  CHECK(password.secret.service == "secretsmanager");
  CHECK(password.secret.id == "shop/orders/db");
  CHECK(password.secret.json_key == "password");
  CHECK(password.secret.region == "eu-west-1");
  CHECK(password.secret.version_stage == "AWSCURRENT");
  CHECK(password.operation == "secretsmanager:GetSecretValue");
  CHECK(password.identity.principal == "arn:aws:iam::111122223333:role/shop-orders-runtime");
  CHECK(password.identity.mechanism == IdentityMechanism::kIrsa);
  CHECK(password.identity.kubernetes_namespace == "shop");
  CHECK(password.identity.service_account == "orders-api");
  CHECK(sp::test::chain_steps(password) ==
        std::vector<std::string>{"Deployment shop/orders@12", "ServiceAccount shop/orders-api@4",
                                 "eks.amazonaws.com/role-arn annotation@7"});

  const PermissionEdge& api_key = result.edges[1];
  CHECK(api_key.reference.path == "spec.parameters.objects[/shop/orders/api-key].objectName");
  CHECK(api_key.reference.location.line == 47);
  CHECK(api_key.reference.location.column == 21);
  CHECK(api_key.secret.service == "ssm");
  CHECK(api_key.secret.parameter_selector == "live");
  CHECK(api_key.operation == "ssm:GetParameters");
}

TEST_CASE("CSI usePodIdentity uses the association", "[resolve]") {
  sp::config::Config config;
  sp::config::PodIdentityAssociation association;
  association.kubernetes_namespace = "shop";
  association.service_account = "api";
  association.role_arn = "arn:aws:iam::111122223333:role/pod-identity";
  association.session_policy = "{}";
  config.kubernetes.pod_identity_associations.push_back(association);
  std::string objects =
      "    objects: |\n      - objectName: "
      "arn:aws:secretsmanager:eu-west-1:111122223333:secret:a-AbCdEf\n";

  SECTION("true forms") {
    for (std::string form : {"\"true\"", "\"1\"", "\"T\"", "\"TRUE\""}) {
      INFO(form);
      auto result = sp::test::resolve_files(
          {{"a.yaml", kServiceAccount + "---\n" + deployment() + "---\n" +
                          provider_class("    usePodIdentity: " + form + "\n" + objects)}},
          config);
      CHECK(result.diagnostics.empty());
      REQUIRE(result.edges.size() == 1);
      CHECK(result.edges[0].identity.mechanism == IdentityMechanism::kPodIdentity);
      CHECK(result.edges[0].identity.principal == "arn:aws:iam::111122223333:role/pod-identity");
      CHECK(result.edges[0].identity.session_policy == "{}");
      CHECK(result.edges[0].secret.region == "eu-west-1");
      CHECK(result.edges[0].secret.account == "111122223333");
    }
  }
  SECTION("false keeps IRSA even with an association") {
    auto result = sp::test::resolve_files(
        {{"a.yaml", kServiceAccount + "---\n" + deployment() + "---\n" +
                        provider_class("    usePodIdentity: \"false\"\n" + objects)}},
        config);
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].identity.mechanism == IdentityMechanism::kIrsa);
    CHECK(result.edges[0].identity.principal == "arn:aws:iam::111122223333:role/api-runtime");
  }
  SECTION("no association") {
    auto result = sp::test::resolve_files(
        {{"a.yaml", kServiceAccount + "---\n" + deployment() + "---\n" +
                        provider_class("    usePodIdentity: \"true\"\n" + objects)}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].unresolved_reason ==
          "no EKS Pod Identity association for ServiceAccount shop/api; add it under "
          "kubernetes.pod_identity_associations in .github/secret-preflight.yml");
  }
}

TEST_CASE("CSI unresolved identities name the fix", "[resolve]") {
  std::string objects =
      "    region: us-east-1\n    objects: |\n      - {objectName: db, objectType: "
      "secretsmanager}\n";
  SECTION("ServiceAccount not in manifests") {
    auto result =
        sp::test::resolve_files({{"a.yaml", deployment() + "---\n" + provider_class(objects)}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].unresolved_reason ==
          "ServiceAccount shop/api is not in the scanned manifests; add it with its "
          "eks.amazonaws.com/role-arn annotation, or scan the manifests that create it");
  }
  SECTION("ServiceAccount without annotation") {
    auto result = sp::test::resolve_files(
        {{"a.yaml", "kind: ServiceAccount\nmetadata: {name: api, namespace: shop}\n---\n" +
                        deployment() + "---\n" + provider_class(objects)}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].unresolved_reason ==
          "ServiceAccount shop/api has no eks.amazonaws.com/role-arn annotation; add the runtime "
          "role ARN");
  }
  SECTION("namespaces join exactly") {
    auto result = sp::test::resolve_files(
        {{"a.yaml", kServiceAccount + "---\n" + deployment("  namespace: other\n") + "---\n" +
                        provider_class(objects)}});
    CHECK(result.diagnostics.empty());
    REQUIRE(result.edges.size() == 2);
    const sp::PermissionEdge* missing = nullptr;
    const sp::PermissionEdge* unmounted = nullptr;
    for (const auto& edge : result.edges)
      (edge.operation == "mount" ? missing : unmounted) = &edge;
    REQUIRE(missing != nullptr);
    REQUIRE(unmounted != nullptr);
    CHECK(missing->secret.id == "SecretProviderClass other/files");
    CHECK(missing->reference.kind == "csi-volume");
    CHECK(missing->unresolved_reason ==
          "SecretProviderClass other/files mounted by Deployment other/web is not in the scanned "
          "manifests, so the secrets it names are unknown; scan the manifests that create it");
    CHECK(unmounted->unresolved_reason ==
          "no scanned pod mounts SecretProviderClass shop/files; the runtime identity is the "
          "ServiceAccount of the pod that mounts it, so scan that workload too");
  }
  SECTION("default namespace is assumed and recorded") {
    sp::config::Config config;
    config.kubernetes.default_namespace = "shop";
    auto result = sp::test::resolve_files({{"a.yaml", kServiceAccount + "---\n" + deployment("") +
                                                          "---\n" + provider_class(objects)}},
                                          config);
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].unresolved_reason.empty());
    CHECK(result.edges[0].assumptions ==
          std::vector<std::string>{"namespace \"shop\" assumed for Deployment web (no "
                                   "metadata.namespace; from kubernetes.default_namespace)"});
  }
}

TEST_CASE("CSI object fields are validated", "[resolve]") {
  struct Case {
    std::string objects;
    std::string message;
  };
  std::vector<Case> cases = {
      {"      - {objectName: db, objectType: ssm}\n",
       "invalid objectType \"ssm\": the AWS provider accepts \"secretsmanager\" or "
       "\"ssmparameter\"; did you mean \"ssmparameter\"?"},
      {"      - {objectName: db}\n",
       "objectName \"db\" needs objectType (secretsmanager or ssmparameter) because it is not an "
       "ARN"},
      {"      - {objectName: p, objectType: ssmparameter, objectVersion: \"2\", "
       "objectVersionLabel: x}\n",
       "objectName \"p\" sets both objectVersion and objectVersionLabel, which the AWS provider "
       "rejects for SSM parameters; keep one"},
  };
  for (const auto& test : cases) {
    INFO(test.objects);
    auto result = sp::test::resolve_files(
        {{"a.yaml", kServiceAccount + "---\n" + deployment() + "---\n" +
                        provider_class("    region: us-east-1\n    objects: |\n" + test.objects)}});
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].message == test.message);
    CHECK(result.diagnostics[0].location.line == 33);
    CHECK(result.edges.empty());
  }
}

TEST_CASE("CSI region falls back to ARN then config", "[resolve]") {
  std::string arn_object = "      - objectName: arn:aws:ssm:ap-south-1:111122223333:parameter/x\n";
  std::string name_object = "      - {objectName: db, objectType: secretsmanager}\n";
  SECTION("ARN region") {
    auto result =
        sp::test::resolve_files({{"a.yaml", kServiceAccount + "---\n" + deployment() + "---\n" +
                                                provider_class("    objects: |\n" + arn_object)}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].secret.region == "ap-south-1");
    CHECK(result.edges[0].secret.service == "ssm");
  }
  SECTION("config region") {
    sp::config::Config config;
    config.aws.region = "eu-central-1";
    auto result =
        sp::test::resolve_files({{"a.yaml", kServiceAccount + "---\n" + deployment() + "---\n" +
                                                provider_class("    objects: |\n" + name_object)}},
                                config);
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].secret.region == "eu-central-1");
    CHECK(result.edges[0].unresolved_reason.empty());
  }
  SECTION("no region") {
    auto result =
        sp::test::resolve_files({{"a.yaml", kServiceAccount + "---\n" + deployment() + "---\n" +
                                                provider_class("    objects: |\n" + name_object)}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].unresolved_reason ==
          "no region for objectName \"db\": the provider uses the node's region label, which the "
          "manifests cannot show; set region in the SecretProviderClass parameters or aws.region "
          "in .github/secret-preflight.yml");
  }
}

TEST_CASE("Go ParseBool forms", "[resolve]") {
  using sp::resolve::kubernetes::parse_go_bool;
  for (std::string text : {"1", "t", "T", "TRUE", "true", "True"})
    CHECK(parse_go_bool(text) == true);
  for (std::string text : {"0", "f", "F", "FALSE", "false", "False"})
    CHECK(parse_go_bool(text) == false);
  for (std::string text : {"yes", "on", "tRUE", ""}) CHECK_FALSE(parse_go_bool(text).has_value());
}

TEST_CASE("CSI rotation adds DescribeSecret edges", "[resolve]") {
  std::string objects =
      "    region: eu-west-1\n"
      "    objects: |\n"
      "      - objectName: shop/db\n"
      "        objectType: secretsmanager\n"
      "        objectVersionLabel: AWSPREVIOUS\n"
      "        jmesPath:\n"
      "          - {path: user, objectAlias: db-user}\n"
      "          - {path: password, objectAlias: db-password}\n"
      "      - objectName: /shop/api-key\n"
      "        objectType: ssmparameter\n";
  sp::test::ManifestFiles files = {
      {"a.yaml", kServiceAccount + "---\n" + deployment() + "---\n" + provider_class(objects)}};

  SECTION("off by default") {
    auto result = sp::test::resolve_files(files);
    CHECK(result.diagnostics.empty());
    REQUIRE(result.edges.size() == 3);
    for (const auto& edge : result.edges) CHECK(edge.operation != "secretsmanager:DescribeSecret");
  }
  SECTION("on: one DescribeSecret per Secrets Manager object") {
    sp::config::Config config;
    config.kubernetes.secrets_store_csi_rotation = true;
    auto result = sp::test::resolve_files(files, config);
    CHECK(result.diagnostics.empty());
    REQUIRE(result.edges.size() == 4);
    std::vector<const PermissionEdge*> describes;
    const PermissionEdge* password = nullptr;
    for (const auto& edge : result.edges) {
      if (edge.operation == "secretsmanager:DescribeSecret") describes.push_back(&edge);
      if (edge.secret.json_key == "password") password = &edge;
    }
    REQUIRE(describes.size() == 1);
    REQUIRE(password != nullptr);
    const PermissionEdge& describe = *describes[0];
    CHECK(describe.secret.id == "shop/db");
    CHECK(describe.secret.service == "secretsmanager");
    CHECK(describe.secret.region == "eu-west-1");
    CHECK(describe.secret.json_key.empty());
    CHECK(describe.secret.version_stage.empty());
    CHECK(describe.reference.kind == "csi-object");
    CHECK(describe.reference.path == "spec.parameters.objects[shop/db].objectName");
    CHECK(describe.reference.location.line == password->reference.location.line);
    CHECK(describe.identity.principal == "arn:aws:iam::111122223333:role/api-runtime");
    CHECK(describe.identity.principal == password->identity.principal);
    CHECK(describe.unresolved_reason.empty());
    CHECK(password->operation == "secretsmanager:GetSecretValue");
    CHECK(password->secret.version_stage == "AWSPREVIOUS");
  }
}
