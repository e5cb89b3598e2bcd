#include "config/config.h"

#include <catch2/catch.hpp>

using sp::Diagnostic;
using sp::config::load_config;

namespace {
const std::string kFixtures = TEST_DATA_DIR "/unit/config/fixtures";
}

TEST_CASE("Missing config file gives defaults", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "absent.yml", diagnostics);
  CHECK(diagnostics.empty());
  CHECK(config.path.empty());
  CHECK(config.kubernetes.default_namespace == "default");
  CHECK(config.aws.session_policy);
  CHECK(config.aws.audience == "sts.amazonaws.com");
  CHECK_FALSE(config.kubernetes.secrets_store_csi_rotation);
}

TEST_CASE("Full config file loads every setting", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "full.yml", diagnostics);
  CHECK(diagnostics.empty());
  CHECK(config.path == "full.yml");
  CHECK(config.aws.region == "us-east-1");
  CHECK(config.aws.account == "111122223333");
  CHECK_FALSE(config.aws.session_policy);
  REQUIRE(config.aws.roles.size() == 2);
  CHECK(config.aws.roles[0].via == "arn:aws:iam::111122223333:role/hop");
  CHECK(config.aws.roles[0].location.line == 9);
  CHECK(config.aws.roles[1].via.empty());
  CHECK(config.kubernetes.default_namespace == "shop");
  CHECK(config.kubernetes.cluster_name == "shop-prod");
  CHECK(config.kubernetes.oidc_issuer == "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE");
  REQUIRE(config.kubernetes.pod_identity_associations.size() == 1);
  const auto& association = config.kubernetes.pod_identity_associations[0];
  CHECK(association.kubernetes_namespace == "shop");
  CHECK(association.service_account == "orders-api");
  CHECK(association.target_role_arn == "arn:aws:iam::444455556666:role/orders-target");
  CHECK(
      association.session_policy ==
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]})");
  CHECK(config.kubernetes.external_secrets_controller_role_arn ==
        "arn:aws:iam::111122223333:role/external-secrets");
  CHECK(config.kubernetes.secrets_store_csi_rotation);
  REQUIRE(config.ignores.size() == 1);
  CHECK(config.ignores[0].expires == "2027-01-31");
  CHECK(config.ignores[0].verdict == "denied");
}

TEST_CASE("Config mistakes are diagnosed with suggestions", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "mistakes.yml", diagnostics);
  struct Expected {
    int line;
    int column;
    std::string message;
  };
  std::vector<Expected> expected = {
      {1, 10, "invalid value \"2\" for \"version\": expected 1, the only config version"},
      {3, 3, "unknown key \"regoin\" in \"aws\"; did you mean \"region\"?"},
      {4, 19, "invalid value \"maybe\" for \"aws.session_policy\": expected true or false"},
      {5, 12, "invalid value \"1234\" for \"aws.account\": expected a 12-digit AWS account ID"},
      {7, 7, "missing \"role_arn\" in \"aws.roles[0]\"; add it"},
      {10, 57,
       "invalid value \"role/x\" for \"kubernetes.pod_identity_associations[0].role_arn\": "
       "expected an IAM role ARN such as arn:aws:iam::111122223333:role/name"},
      {12, 26, "invalid value \"deny\" for \"ignores[0].verdict\": did you mean \"denied\"?"},
      {13, 5, "missing \"reason\" in \"ignores[1]\"; add it"},
      {14, 1,
       "unknown key \"colour\" at the top level; valid keys are version, aws, kubernetes, ignores"},
  };
  REQUIRE(diagnostics.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("diagnostic " << i);
    CHECK(diagnostics[i].location.file == "mistakes.yml");
    CHECK(diagnostics[i].location.line == expected[i].line);
    CHECK(diagnostics[i].location.column == expected[i].column);
    CHECK(diagnostics[i].message == expected[i].message);
    CHECK(diagnostics[i].severity == Diagnostic::Severity::kError);
  }
  CHECK(diagnostics[1].source_line == "  regoin: us-east-1");
  CHECK(config.aws.region.empty());
  CHECK(config.aws.session_policy);
  CHECK(config.kubernetes.pod_identity_associations.empty());
  CHECK(config.ignores.size() == 1);
}

TEST_CASE("CSI rotation mistakes are diagnosed", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "csi-rotation-mistakes.yml", diagnostics);
  REQUIRE(diagnostics.size() == 2);
  CHECK(diagnostics[0].location.line == 4);
  CHECK(diagnostics[0].message ==
        "unknown key \"rotate\" in \"kubernetes.secrets_store_csi\"; did you mean \"rotation\"?");
  CHECK(diagnostics[1].location.line == 5);
  CHECK(diagnostics[1].message ==
        "invalid value \"sometimes\" for \"kubernetes.secrets_store_csi.rotation\": expected true "
        "or false");
  CHECK_FALSE(config.kubernetes.secrets_store_csi_rotation);
}

TEST_CASE("Preflight role follows the first matching role entry", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "full.yml", diagnostics);
  struct Case {
    std::string role;
    std::string via;
  };
  std::vector<Case> cases = {
      {"arn:aws:iam::444455556666:role/shop-reader", "arn:aws:iam::111122223333:role/hop"},
      {"arn:aws:iam::111122223333:role/direct", ""},
      {"arn:aws:iam::999999999999:role/other", "arn:aws:iam::111122223333:role/secret-preflight"},
  };
  for (const auto& test : cases) {
    INFO(test.role);
    CHECK(sp::config::preflight_role_for(config, test.role) == test.via);
  }
}
