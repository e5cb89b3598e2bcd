#include <catch2/catch.hpp>

#include "harness.h"

using sp::IdentityMechanism;
using sp::PermissionEdge;

namespace {
const std::string kRoot = TEST_DATA_DIR "/unit/resolve/fixtures/repo";

const std::string kEsoAccount = R"(apiVersion: v1
kind: ServiceAccount
metadata:
  name: eso
  namespace: platform
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/eso-base
)";

// A store of `kind` named "store" in namespace shop, with `aws` lines under
// spec.provider.aws.
std::string store(const std::string& kind, const std::string& aws) {
  std::string metadata = kind == "ClusterSecretStore"
                             ? "metadata: {name: store}\n"
                             : "metadata: {name: store, namespace: shop}\n";
  return "apiVersion: external-secrets.io/v1\nkind: " + kind + "\n" + metadata +
         "spec:\n  provider:\n    aws:\n" + aws;
}

std::string external_secret(const std::string& store_kind, const std::string& spec) {
  return "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\n"
         "metadata: {name: orders, namespace: shop}\nspec:\n"
         "  secretStoreRef: {name: store, kind: " +
         store_kind + "}\n" + spec;
}
}  // namespace

TEST_CASE("ExternalSecret reads as the store's last role", "[resolve]") {
  auto result = sp::resolve::resolve_repository(kRoot, {"deploy/k8s/eso.yaml"}, {});
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 1);
  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.reference.kind == "external-secret-data");
  CHECK(edge.reference.path == "spec.data[password].remoteRef.key");
  CHECK(edge.reference.location.line == 35);
  CHECK(edge.reference.location.column == 24);
  CHECK(edge.secret.service == "secretsmanager");
  CHECK(edge.secret.id == "shop/orders/db");
  CHECK(edge.secret.json_key == "password");
  CHECK(edge.secret.version_stage == "AWSCURRENT");
  CHECK(edge.secret.region == "eu-west-1");
  CHECK(edge.operation == "secretsmanager:GetSecretValue");
  CHECK(edge.identity.principal == "arn:aws:iam::444455556666:role/shop-secrets-reader");
  CHECK(edge.identity.assumed_before ==
        std::vector<std::string>{"arn:aws:iam::111122223333:role/shop-eso"});
  CHECK(edge.identity.mechanism == IdentityMechanism::kIrsa);
  CHECK(sp::test::chain_steps(edge) ==
        std::vector<std::string>{
            "ExternalSecret shop/orders-db@28", "SecretStore shop/shop-aws@12",
            "ServiceAccount shop/shop-eso@4", "eks.amazonaws.com/role-arn annotation@7",
            "AssumeRole arn:aws:iam::444455556666:role/shop-secrets-reader@19"});
  CHECK(edge.unresolved_reason.empty());
}

TEST_CASE("ExternalSecret entries map to operations", "[resolve]") {
  std::string aws =
      "      service: SecretsManager\n      region: us-east-1\n      prefix: prod/\n"
      "      auth: {jwt: {serviceAccountRef: {name: eso, namespace: platform}}}\n";
  std::string spec =
      "  data:\n"
      "    - {secretKey: a, remoteRef: {key: app/a, version: uuid/1234}}\n"
      "    - {secretKey: b, remoteRef: {key: app/b, property: user.name, version: AWSPREVIOUS}}\n"
      "    - {secretKey: c, remoteRef: {key: app/c, metadataPolicy: Fetch, property: owner}}\n"
      "  dataFrom:\n"
      "    - extract: {key: app/d}\n"
      "    - find: {path: app/, name: {regexp: \"^app\"}}\n"
      "    - key: app/legacy\n";
  auto result = sp::test::resolve_files(
      {{"a.yaml", kEsoAccount + "---\n" + store("ClusterSecretStore", aws) + "---\n" +
                      external_secret("ClusterSecretStore", spec)}});
  CHECK(result.diagnostics.empty());
  struct Expected {
    std::string kind;
    std::string path;
    std::string id;
    std::string operation;
    std::string json_key;
    std::string stage;
    std::string version_id;
  };
  std::vector<Expected> expected = {
      {"external-secret-data", "spec.data[a].remoteRef.key", "prod/app/a",
       "secretsmanager:GetSecretValue", "", "", "1234"},
      {"external-secret-data", "spec.data[b].remoteRef.key", "prod/app/b",
       "secretsmanager:GetSecretValue", "user.name", "AWSPREVIOUS", ""},
      {"external-secret-data", "spec.data[c].remoteRef.key", "prod/app/c",
       "secretsmanager:DescribeSecret", "", "AWSCURRENT", ""},
      {"external-secret-data-from", "spec.dataFrom[0].extract.key", "prod/app/d",
       "secretsmanager:GetSecretValue", "", "AWSCURRENT", ""},
      {"external-secret-find", "spec.dataFrom[1].find", "prod/app/", "secretsmanager:ListSecrets",
       "", "", ""},
      {"external-secret-find", "spec.dataFrom[1].find", "prod/app/",
       "secretsmanager:BatchGetSecretValue", "", "", ""},
      {"external-secret-data-from", "spec.dataFrom[2].key", "prod/app/legacy",
       "secretsmanager:GetSecretValue", "", "AWSCURRENT", ""},
  };
  REQUIRE(result.edges.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const PermissionEdge& edge = result.edges[i];
    INFO("edge " << i);
    CHECK(edge.reference.kind == expected[i].kind);
    CHECK(edge.reference.path == expected[i].path);
    CHECK(edge.secret.id == expected[i].id);
    CHECK(edge.operation == expected[i].operation);
    CHECK(edge.secret.json_key == expected[i].json_key);
    CHECK(edge.secret.version_stage == expected[i].stage);
    CHECK(edge.secret.version_id == expected[i].version_id);
    CHECK(edge.identity.principal == "arn:aws:iam::111122223333:role/eso-base");
    CHECK(edge.identity.service_account == "eso");
    CHECK(edge.identity.kubernetes_namespace == "platform");
    CHECK(edge.unresolved_reason.empty());
  }
}

TEST_CASE("ParameterStore store reads with GetParameter", "[resolve]") {
  std::string aws =
      "      service: ParameterStore\n      region: us-east-1\n"
      "      additionalRoles: [\"arn:aws:iam::111122223333:role/hop\"]\n";
  sp::config::Config config;
  config.kubernetes.external_secrets_controller_role_arn = "arn:aws:iam::111122223333:role/eso";
  auto result = sp::test::resolve_files(
      {{"a.yaml", store("SecretStore", aws) + "---\n" +
                      external_secret("SecretStore",
                                      "  data:\n    - {secretKey: a, remoteRef: {key: /app/a, "
                                      "version: \"3\", property: pw}}\n")}},
      config);
  REQUIRE(result.edges.size() == 1);
  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.secret.service == "ssm");
  CHECK(edge.secret.id == "/app/a");
  CHECK(edge.secret.parameter_selector == "3");
  CHECK(edge.secret.json_key == "pw");
  CHECK(edge.operation == "ssm:GetParameter");
  CHECK(edge.identity.mechanism == IdentityMechanism::kControllerIdentity);
  CHECK(edge.identity.principal == "arn:aws:iam::111122223333:role/hop");
  CHECK(edge.identity.assumed_before ==
        std::vector<std::string>{"arn:aws:iam::111122223333:role/eso"});
}

TEST_CASE("ExternalSecret unresolved stores name the fix", "[resolve]") {
  std::string data = "  data:\n    - {secretKey: a, remoteRef: {key: app/a}}\n";
  struct Case {
    std::string name;
    std::string manifests;
    std::string reason;
  };
  std::vector<Case> cases = {
      {"store missing", external_secret("SecretStore", data),
       "SecretStore shop/store is not in the scanned manifests; scan the manifests that create it"},
      {"no auth and no controller role",
       store("SecretStore", "      service: SecretsManager\n      region: us-east-1\n") + "---\n" +
           external_secret("SecretStore", data),
       "SecretStore shop/store has no auth, so the External Secrets controller reads with its own "
       "identity; set kubernetes.external_secrets.controller_role_arn in "
       ".github/secret-preflight.yml"},
      {"static keys",
       store("SecretStore",
             "      service: SecretsManager\n      region: us-east-1\n"
             "      auth: {secretRef: {accessKeyIDSecretRef: {name: k, key: id}}}\n") +
           "---\n" + external_secret("SecretStore", data),
       "SecretStore shop/store authenticates with access keys from a Kubernetes Secret "
       "(auth.secretRef), whose principal the manifests cannot show"},
      {"no region",
       store("SecretStore",
             "      service: SecretsManager\n      auth: {jwt: {serviceAccountRef: {name: x}}}\n") +
           "---\n" + external_secret("SecretStore", data),
       "SecretStore shop/store sets no region; set spec.provider.aws.region or aws.region in "
       ".github/secret-preflight.yml"},
      {"templated key",
       store("SecretStore",
             "      service: SecretsManager\n      region: us-east-1\n"
             "      role: arn:aws:iam::111122223333:role/r\n") +
           "---\n" +
           external_secret(
               "SecretStore",
               "  data:\n    - {secretKey: a, remoteRef: {key: \"{{ .Values.key }}\"}}\n"),
       "remoteRef key \"{{ .Values.key }}\" still holds the template placeholder \"{{ .Values.key "
       "}}\"; render the manifests (helm template, envsubst, kustomize build) and scan the output"},
  };
  for (const auto& test : cases) {
    INFO(test.name);
    auto result = sp::test::resolve_files({{"a.yaml", test.manifests}});
    REQUIRE(result.edges.size() == 1);
    CHECK(result.edges[0].unresolved_reason == test.reason);
  }
}

TEST_CASE("Static keys with a role still resolve", "[resolve]") {
  auto result = sp::test::resolve_files(
      {{"a.yaml",
        store("SecretStore",
              "      service: SecretsManager\n      region: us-east-1\n"
              "      role: arn:aws:iam::111122223333:role/reader\n"
              "      auth: {secretRef: {accessKeyIDSecretRef: {name: k, key: id}}}\n") +
            "---\n" +
            external_secret("SecretStore",
                            "  data:\n    - {secretKey: a, remoteRef: {key: app/a}}\n")}});
  REQUIRE(result.edges.size() == 1);
  CHECK(result.edges[0].unresolved_reason.empty());
  CHECK(result.edges[0].identity.principal == "arn:aws:iam::111122223333:role/reader");
  CHECK(result.edges[0].identity.assumed_before.empty());
}

TEST_CASE("ExternalSecret find maps to the provider's calls", "[resolve]") {
  std::string aws =
      "      service: SecretsManager\n      region: us-east-1\n      prefix: prod/\n"
      "      auth: {jwt: {serviceAccountRef: {name: eso, namespace: platform}}}\n";
  std::string spec =
      "  dataFrom:\n"
      "    - find: {tags: {team: shop, tier: web}}\n"
      "    - find: {name: {regexp: \"^app/\"}}\n"
      "    - find: {name: {regexp: \"^app/\"}, tags: {team: shop}}\n"
      "    - find: {path: app/}\n";
  auto result = sp::test::resolve_files(
      {{"a.yaml", kEsoAccount + "---\n" + store("ClusterSecretStore", aws) + "---\n" +
                      external_secret("ClusterSecretStore", spec)}});
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 8);
  using Tags = std::vector<std::pair<std::string, std::string>>;

  const PermissionEdge& by_tags = result.edges[1];
  CHECK(result.edges[0].operation == "secretsmanager:ListSecrets");
  CHECK(by_tags.operation == "secretsmanager:BatchGetSecretValue");
  CHECK(by_tags.secret.id == "*");
  REQUIRE(by_tags.secret.find);
  CHECK(by_tags.secret.find->tags == Tags{{"team", "shop"}, {"tier", "web"}});
  CHECK(by_tags.unresolved_reason.empty());

  const PermissionEdge& by_name = result.edges[3];
  CHECK(result.edges[2].operation == "secretsmanager:ListSecrets");
  CHECK(by_name.operation == "secretsmanager:GetSecretValue");
  REQUIRE(by_name.secret.find);
  CHECK(by_name.secret.find->name_regexp == "^app/");
  CHECK(by_name.secret.find->path.empty());

  // A name wins over tags, as in the provider's GetAllSecrets.
  const PermissionEdge& name_and_tags = result.edges[5];
  CHECK(name_and_tags.operation == "secretsmanager:GetSecretValue");
  REQUIRE(name_and_tags.secret.find);
  CHECK(name_and_tags.secret.find->tags.empty());

  const PermissionEdge& path_only = result.edges[7];
  CHECK(path_only.operation == "secretsmanager:BatchGetSecretValue");
  CHECK(path_only.secret.id == "prod/app/");
  REQUIRE(path_only.secret.find);
  CHECK(path_only.secret.find->path == "app/");
  CHECK(path_only.unresolved_reason ==
        "dataFrom.find sets neither name nor tags, which External Secrets rejects; add name.regexp or tags");
}
