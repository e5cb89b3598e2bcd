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
  CHECK(config.kubernetes.external_secrets_controller_gcp_service_account ==
        "external-secrets@shop-prod.iam.gserviceaccount.com");
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
       "unknown key \"colour\" at the top level; valid keys are version, aws, kubernetes, gcp, "
       "azure, ignores"},
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

TEST_CASE("Gcp section loads projects and provider", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "full.yml", diagnostics);
  CHECK(diagnostics.empty());
  CHECK(config.gcp.workload_identity_provider ==
        "projects/123456789/locations/global/workloadIdentityPools/github/providers/github");
  CHECK(config.gcp.audience.empty());
  CHECK(config.gcp.default_project == "shop-prod");
  REQUIRE(config.gcp.projects.size() == 2);
  CHECK(config.gcp.projects[0].id == "shop-prod");
  CHECK(config.gcp.projects[0].number == "123456789");
  CHECK(config.gcp.projects[0].workload_identity_provider.empty());
  CHECK(config.gcp.projects[0].location.line == 33);
  CHECK(config.gcp.projects[1].workload_identity_provider ==
        "projects/987654321/locations/global/workloadIdentityPools/ci/providers/gh");

  const sp::config::GcpProject* by_id = sp::config::find_gcp_project(config, "shop-shared");
  REQUIRE(by_id != nullptr);
  CHECK(by_id->number == "987654321");
  const sp::config::GcpProject* by_number = sp::config::find_gcp_project(config, "123456789");
  REQUIRE(by_number != nullptr);
  CHECK(by_number->id == "shop-prod");
  CHECK(sp::config::find_gcp_project(config, "other") == nullptr);
}

TEST_CASE("Gcp mistakes are diagnosed with suggestions", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "gcp-mistakes.yml", diagnostics);
  struct Expected {
    int line;
    int column;
    std::string message;
  };
  const std::string provider_shape =
      "expected a provider resource name such as projects/123456789/locations/global/"
      "workloadIdentityPools/POOL/providers/PROVIDER";
  std::vector<Expected> expected = {
      {3, 31,
       "invalid value \"projects/shop-prod/locations/global/workloadIdentityPools/github\" for "
       "\"gcp.workload_identity_provider\": " +
           provider_shape},
      {4, 3, "unknown key \"default_projct\" in \"gcp\"; did you mean \"default_project\"?"},
      {6, 31,
       "invalid value \"12a4\" for \"gcp.projects[0].number\": expected a project number "
       "(digits only), such as \"123456789\""},
      {7, 7, "missing \"id\" in \"gcp.projects[1]\"; add it"},
      {8, 11,
       "invalid value \"Shop_Prod\" for \"gcp.projects[2].id\": expected a Google Cloud project "
       "ID such as shop-prod (6 to 30 lowercase letters, digits and hyphens)"},
      {9, 24,
       "unknown key \"provider\" in \"gcp.projects[3]\"; valid keys are id, number, "
       "workload_identity_provider"},
      {10, 13, "invalid value for \"gcp.audience\": expected a single value"},
      {13, 37,
       "invalid value \"not-an-email\" for "
       "\"kubernetes.external_secrets.controller_gcp_service_account\": expected a Google "
       "service account email such as reader@shop-prod.iam.gserviceaccount.com"},
  };
  REQUIRE(diagnostics.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("diagnostic " << i);
    CHECK(diagnostics[i].location.line == expected[i].line);
    CHECK(diagnostics[i].location.column == expected[i].column);
    CHECK(diagnostics[i].message == expected[i].message);
  }
  CHECK(config.gcp.workload_identity_provider.empty());
  CHECK(config.gcp.default_project.empty());
  REQUIRE(config.gcp.projects.size() == 2);
  CHECK(config.gcp.projects[0].id == "shop-prod");
  CHECK(config.gcp.projects[0].number.empty());
  CHECK(config.gcp.projects[1].id == "shop-other");
  CHECK(config.kubernetes.external_secrets_controller_gcp_service_account.empty());
}

TEST_CASE("Azure section loads tenant, cloud and identities", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "azure.yml", diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.line == 10);
  CHECK(diagnostics[0].message.starts_with(
      "invalid value \"/subscriptions/x/notAnIdentity\" for \"azure.identities[1].resource_id\""));
  REQUIRE(config.azure.identities.size() == 1);
  CHECK(config.azure.identities[0].client_id == "11111111-2222-3333-4444-555555555555");
  CHECK(config.azure.identities[0].resource_id.ends_with("/userAssignedIdentities/billing-runtime"));
  CHECK(config.azure.tenant_id == "72f988bf-86f1-41af-91ab-2d7cd011db47");
  CHECK(config.azure.audience == "api://AzureADTokenExchange/preflight");
  CHECK(config.azure.cloud == "AzureUSGovernmentCloud");
}

TEST_CASE("Azure defaults without a section", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "full.yml", diagnostics);
  CHECK(diagnostics.empty());
  CHECK(config.azure.tenant_id.empty());
  CHECK(config.azure.audience == "api://AzureADTokenExchange");
  CHECK(config.azure.cloud == "AzurePublicCloud");
}

TEST_CASE("Azure mistakes are diagnosed with suggestions", "[config]") {
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(kFixtures, "azure-mistakes.yml", diagnostics);
  struct Expected {
    int line;
    int column;
    std::string message;
  };
  std::vector<Expected> expected = {
      {3, 14,
       "invalid value \"contoso.onmicrosoft.com\" for \"azure.tenant_id\": expected a tenant ID "
       "as a GUID such as 00000000-0000-0000-0000-000000000000"},
      {4, 3, "unknown key \"audiance\" in \"azure\"; did you mean \"audience\"?"},
      {5, 10,
       "invalid value \"AzureChinaClod\" for \"azure.cloud\": did you mean \"AzureChinaCloud\"?"},
      {6, 13, "invalid value \"\" for \"azure.audience\": expected a non-empty string"},
  };
  REQUIRE(diagnostics.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("diagnostic " << i);
    CHECK(diagnostics[i].location.line == expected[i].line);
    CHECK(diagnostics[i].location.column == expected[i].column);
    CHECK(diagnostics[i].message == expected[i].message);
  }
  CHECK(config.azure.tenant_id.empty());
  CHECK(config.azure.audience == "api://AzureADTokenExchange");
  CHECK(config.azure.cloud == "AzurePublicCloud");
}

TEST_CASE("Azure cloud lists valid names", "[config]") {
  std::vector<Diagnostic> diagnostics;
  load_config(kFixtures, "azure-unknown-cloud.yml", diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].message ==
        "invalid value \"Public\" for \"azure.cloud\": expected one of AzurePublicCloud, "
        "AzureUSGovernmentCloud, AzureChinaCloud");
}
