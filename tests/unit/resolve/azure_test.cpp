#include <catch2/catch.hpp>

#include "harness.h"
#include "resolve/azure/key_vault.h"

using sp::Diagnostic;
using sp::IdentityMechanism;
using sp::PermissionEdge;

namespace {

const std::string kGetSecret = "Microsoft.KeyVault/vaults/secrets/getSecret/action";

// Returns `text` with the first `from` replaced by `to`; fails the test when
// `from` is absent, so a fixture edit cannot silently test nothing.
std::string replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

const std::string kCsiFiles = R"(apiVersion: v1
kind: ServiceAccount
metadata:
  name: billing-wi
  namespace: billing
  annotations:
    azure.workload.identity/client-id: 11111111-1111-1111-1111-111111111111
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: billing
  namespace: billing
spec:
  selector: {matchLabels: {app: billing}}
  template:
    metadata:
      labels: {app: billing, azure.workload.identity/use: "true"}
    spec:
      serviceAccountName: billing-wi
      volumes:
        - name: kv
          csi:
            driver: secrets-store.csi.k8s.io
            volumeAttributes: {secretProviderClass: billing-kv}
      containers:
        - {name: app, image: registry.example.com/billing:5.0.0}
---
apiVersion: secrets-store.csi.x-k8s.io/v1
kind: SecretProviderClass
metadata:
  name: billing-kv
  namespace: billing
spec:
  provider: azure
  parameters:
    keyvaultName: "billing-prod-kv"
    tenantID: "00000000-0000-0000-0000-000000000000"
    clientID: "22222222-2222-2222-2222-222222222222"
    objects: |
      array:
        - |
          objectName: stripe-key
          objectType: secret
          objectVersion: ""
        - |
          objectName: db-password
          objectVersion: 4387e9f3d6e14c459867679a90fd0f79
          objectAlias: db
        - |
          objectName: tls
          objectType: cert
)";

sp::resolve::ResolveResult resolve_csi(const std::string& text,
                                       const sp::config::Config& config = {}) {
  return sp::test::resolve_files({{"deploy/billing.yaml", text}}, config);
}

bool has_assumption(const PermissionEdge& edge, const std::string& part) {
  for (const auto& assumption : edge.assumptions)
    if (assumption.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("Key Vault names per cloud", "[resolve]") {
  using namespace sp::resolve::azure;
  CHECK(vault_suffix("AzurePublicCloud") == "vault.azure.net");
  CHECK(vault_suffix("azureusgovernmentcloud") == "vault.usgovcloudapi.net");
  CHECK(vault_suffix("AzureChinaCloud") == "vault.azure.cn");
  CHECK(vault_suffix("AzureGermanCloud").empty());
  CHECK(is_guid("72f988bf-86f1-41af-91ab-2d7cd011db47"));
  CHECK_FALSE(is_guid("72f988bf86f141af91ab2d7cd011db47"));
  CHECK(vault_host("https://Shop-KV.vault.azure.net/") == "shop-kv.vault.azure.net");
  CHECK(vault_host("https://shop-kv.vault.azure.net") == "shop-kv.vault.azure.net");
  CHECK_FALSE(vault_host("http://shop-kv.vault.azure.net"));
  CHECK_FALSE(vault_host("https://shop-kv.vault.azure.net/secrets/x"));
  auto pinned = make_secret_target("kv.vault.azure.net", "db", "abc123");
  CHECK(pinned.provider == "azure");
  CHECK(pinned.service == "keyvault");
  CHECK(pinned.id == "https://kv.vault.azure.net/secrets/db/abc123");
  CHECK(pinned.version_id == "abc123");
  CHECK(make_secret_target("kv.vault.azure.net", "db", "").id ==
        "https://kv.vault.azure.net/secrets/db");
}

TEST_CASE("Azure CSI object yields workload identity edge", "[resolve]") {
  auto result = resolve_csi(kCsiFiles);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].severity == Diagnostic::Severity::kWarning);
  CHECK(result.diagnostics[0].location.line == 51);
  CHECK(result.diagnostics[0].message.find("objectType cert") != std::string::npos);
  REQUIRE(result.edges.size() == 2);

  const PermissionEdge& stripe = result.edges[0];
  CHECK(stripe.unresolved_reason.empty());
  CHECK(stripe.reference.kind == "csi-azure-object");
  CHECK(stripe.reference.path == "spec.parameters.objects[stripe-key].objectName");
  CHECK(stripe.reference.location.file == "deploy/billing.yaml");
  CHECK(stripe.reference.location.line == 43);
  CHECK(stripe.reference.location.column == 23);
  CHECK(stripe.secret.provider == "azure");
  CHECK(stripe.secret.service == "keyvault");
  CHECK(stripe.secret.id == "https://billing-prod-kv.vault.azure.net/secrets/stripe-key");
  CHECK(stripe.secret.version_id.empty());
  CHECK(stripe.operation == kGetSecret);
  CHECK(stripe.identity.provider == "azure");
  CHECK(stripe.identity.mechanism == IdentityMechanism::kAzureWorkloadIdentity);
  // The provider uses the class's clientID, not the ServiceAccount annotation.
  CHECK(stripe.identity.principal == "22222222-2222-2222-2222-222222222222");
  CHECK(stripe.identity.tenant_id == "00000000-0000-0000-0000-000000000000");
  CHECK(stripe.identity.kubernetes_namespace == "billing");
  CHECK(stripe.identity.service_account == "billing-wi");
  CHECK(stripe.identity.audience == "api://AzureADTokenExchange");
  CHECK(sp::test::chain_steps(stripe) ==
        std::vector<std::string>{
            "Deployment billing/billing@12", "ServiceAccount billing/billing-wi@4",
            "clientID 22222222-2222-2222-2222-222222222222@39",
            "federated credential subject system:serviceaccount:billing:billing-wi@39"});
  CHECK(stripe.assumptions.empty());

  const PermissionEdge& password = result.edges[1];
  CHECK(password.reference.location.line == 47);
  CHECK(password.reference.location.column == 23);
  CHECK(password.secret.id ==
        "https://billing-prod-kv.vault.azure.net/secrets/db-password/"
        "4387e9f3d6e14c459867679a90fd0f79");
  CHECK(password.secret.version_id == "4387e9f3d6e14c459867679a90fd0f79");
}

TEST_CASE("Azure CSI vault host follows the cloud", "[resolve]") {
  sp::config::Config config;
  config.azure.cloud = "AzureChinaCloud";
  auto china = resolve_csi(kCsiFiles, config);
  REQUIRE(china.edges.size() == 2);
  CHECK(china.edges[0].secret.id == "https://billing-prod-kv.vault.azure.cn/secrets/stripe-key");
  CHECK(has_assumption(china.edges[0], "cloud AzureChinaCloud taken from azure.cloud"));

  auto government = resolve_csi(
      replace(kCsiFiles, "    keyvaultName:", "    cloudName: AzureUSGovernmentCloud\n    keyvaultName:"),
      config);
  REQUIRE(government.edges.size() == 2);
  CHECK(government.edges[0].secret.id ==
        "https://billing-prod-kv.vault.usgovcloudapi.net/secrets/stripe-key");

  auto stack = resolve_csi(
      replace(kCsiFiles, "    keyvaultName:", "    cloudName: AzureStackCloud\n    keyvaultName:"));
  REQUIRE(stack.edges.size() == 2);
  CHECK(stack.edges[0].unresolved_reason.find("cloudName \"AzureStackCloud\"") == 0);
}

TEST_CASE("Azure CSI pod label problems are unresolved", "[resolve]") {
  SECTION("label missing") {
    auto result = resolve_csi(replace(kCsiFiles, ", azure.workload.identity/use: \"true\"", ""));
    REQUIRE(result.edges.size() == 2);
    CHECK(result.edges[0].unresolved_reason ==
          "Deployment billing/billing has no pod label azure.workload.identity/use: \"true\", so "
          "the webhook projects no federated token into its pods; add the label "
          "azure.workload.identity/use: \"true\" under spec.template.metadata.labels. The "
          "Secrets Store CSI mount itself requests the ServiceAccount token, so add the label, or "
          "ignore this edge in the config file if only the mount reads Key Vault");
  }
  SECTION("label on the Deployment metadata") {
    std::string text = replace(kCsiFiles, ", azure.workload.identity/use: \"true\"", "");
    text = replace(text, "  name: billing\n  namespace: billing\nspec:",
                   "  name: billing\n  namespace: billing\n  labels:\n"
                   "    azure.workload.identity/use: \"true\"\nspec:");
    auto result = resolve_csi(text);
    REQUIRE(result.edges.size() == 2);
    CHECK(result.edges[0].unresolved_reason.find(
              "(the label is on the Deployment's own metadata.labels, which the webhook never "
              "sees)") != std::string::npos);
  }
  SECTION("label not true") {
    auto result = resolve_csi(replace(kCsiFiles, "use: \"true\"", "use: \"yes\""));
    REQUIRE(result.edges.size() == 2);
    CHECK(result.edges[0].unresolved_reason.find(
              "sets the pod label azure.workload.identity/use to \"yes\", and the webhook "
              "mutates only pods labelled \"true\"") != std::string::npos);
  }
}

TEST_CASE("Azure CSI other identity modes are unresolved", "[resolve]") {
  const std::string client = "    clientID: \"22222222-2222-2222-2222-222222222222\"\n";
  struct Case {
    std::string replacement;
    std::string reason_part;
  };
  std::vector<Case> cases = {
      {"    useVMManagedIdentity: \"true\"\n    userAssignedIdentityID: 33333333-3333-3333-3333-333333333333\n",
       "reads with the node's user-assigned managed identity 33333333-3333-3333-3333-333333333333 "
       "(useVMManagedIdentity)"},
      {"    usePodIdentity: \"true\"\n", "uses the deprecated aad-pod-identity (usePodIdentity)"},
      {"", "sets no clientID, so the provider reads as the service principal"},
      {"    clientID: \"{{ .Values.clientId }}\"\n",
       "clientID \"{{ .Values.clientId }}\" still holds the template placeholder"},
      {"    clientID: not-a-guid\n", "clientID \"not-a-guid\" of SecretProviderClass "
                                      "billing/billing-kv is not a GUID"},
  };
  for (const Case& one : cases) {
    INFO(one.replacement);
    auto result = resolve_csi(replace(kCsiFiles, client, one.replacement));
    REQUIRE(result.edges.size() == 2);
    CHECK(result.edges[0].unresolved_reason.find(one.reason_part) != std::string::npos);
    CHECK(result.edges[0].identity.provider == "azure");
  }

  auto no_tenant =
      resolve_csi(replace(kCsiFiles, "    tenantID: \"00000000-0000-0000-0000-000000000000\"\n", ""));
  REQUIRE(no_tenant.edges.size() == 2);
  CHECK(no_tenant.edges[0].unresolved_reason ==
        "SecretProviderClass billing/billing-kv sets no tenantID, which the Azure provider "
        "requires; add the tenant ID of the vault to spec.parameters");

  auto deprecated_tenant = resolve_csi(replace(kCsiFiles, "tenantID:", "tenantId:"));
  REQUIRE(deprecated_tenant.edges.size() == 2);
  CHECK(deprecated_tenant.edges[0].unresolved_reason.empty());
  CHECK(deprecated_tenant.edges[0].identity.tenant_id == "00000000-0000-0000-0000-000000000000");

  auto conflict = resolve_csi(replace(
      kCsiFiles, client, "    usePodIdentity: \"true\"\n    useVMManagedIdentity: \"true\"\n"));
  REQUIRE(conflict.diagnostics.size() == 2);
  CHECK(conflict.diagnostics[0].severity == Diagnostic::Severity::kError);
  CHECK(conflict.diagnostics[0].message.find("sets more than one of usePodIdentity") !=
        std::string::npos);
}

TEST_CASE("Azure CSI placeholders are unresolved", "[resolve]") {
  auto vault = resolve_csi(replace(kCsiFiles, "\"billing-prod-kv\"", "\"{{ .Values.vault }}\""));
  REQUIRE(vault.edges.size() == 2);
  CHECK(vault.edges[0].unresolved_reason.find("keyvaultName \"{{ .Values.vault }}\" still holds") ==
        0);
  auto name = resolve_csi(replace(kCsiFiles, "objectName: stripe-key", "objectName: ${STRIPE}"));
  REQUIRE(name.edges.size() == 2);
  CHECK(name.edges[0].unresolved_reason.find("objectName \"${STRIPE}\" still holds") == 0);
  CHECK(name.edges[1].unresolved_reason.empty());
}

TEST_CASE("Azure CSI object mistakes are diagnosed", "[resolve]") {
  auto bad_type = resolve_csi(replace(kCsiFiles, "objectType: secret", "objectType: secrets"));
  REQUIRE(bad_type.diagnostics.size() == 2);
  CHECK(bad_type.diagnostics[0].location.line == 44);
  CHECK(bad_type.diagnostics[0].message ==
        "invalid objectType \"secrets\": the Azure provider accepts secret, key or cert");
  CHECK(bad_type.edges.size() == 1);

  auto bad_name = resolve_csi(replace(kCsiFiles, "objectName: stripe-key", "objectName: stripe_key"));
  REQUIRE_FALSE(bad_name.diagnostics.empty());
  CHECK(bad_name.diagnostics[0].location.line == 43);
  CHECK(bad_name.diagnostics[0].message.find("invalid objectName \"stripe_key\"") == 0);

  auto no_array = resolve_csi(replace(kCsiFiles, "      array:\n", "      list:\n"));
  REQUIRE_FALSE(no_array.diagnostics.empty());
  CHECK(no_array.diagnostics[0].message ==
        "SecretProviderClass parameter \"objects\" must hold an \"array:\" list");
  CHECK(no_array.edges.empty());
}

namespace {

const std::string kEsoFiles = R"(apiVersion: v1
kind: ServiceAccount
metadata:
  name: billing-eso
  namespace: billing
  annotations:
    azure.workload.identity/client-id: 11111111-1111-1111-1111-111111111111
    azure.workload.identity/tenant-id: 44444444-4444-4444-4444-444444444444
---
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata: {name: billing-kv, namespace: billing}
spec:
  provider:
    azurekv:
      vaultUrl: https://billing-prod-kv.vault.azure.net
      authType: WorkloadIdentity
      serviceAccountRef: {name: billing-eso}
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: billing, namespace: billing}
spec:
  secretStoreRef: {name: billing-kv}
  data:
    - secretKey: stripe
      remoteRef: {key: secret/stripe-key, version: 4387e9f3d6e14c459867679a90fd0f79}
    - secretKey: db
      remoteRef:
        key: db-config
        property: password
    - secretKey: signing
      remoteRef: {key: cert/signing}
  dataFrom:
    - extract: {key: app-settings}
)";

sp::resolve::ResolveResult resolve_eso(const std::string& text,
                                       const sp::config::Config& config = {}) {
  return sp::test::resolve_files({{"deploy/eso.yaml", text}}, config);
}

}  // namespace

TEST_CASE("azurekv entries yield workload identity edges", "[resolve]") {
  auto result = resolve_eso(kEsoFiles);
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].severity == Diagnostic::Severity::kWarning);
  CHECK(result.diagnostics[0].location.line == 33);
  CHECK(result.diagnostics[0].message ==
        "remoteRef key \"cert/signing\" names a Key Vault certificate, which secret-preflight "
        "does not check yet; only secrets are probed");
  REQUIRE(result.edges.size() == 3);

  const PermissionEdge& stripe = result.edges[0];
  CHECK(stripe.unresolved_reason.empty());
  CHECK(stripe.reference.kind == "external-secret-azurekv");
  CHECK(stripe.reference.path == "spec.data[stripe].remoteRef.key");
  CHECK(stripe.reference.location.line == 27);
  CHECK(stripe.reference.location.column == 24);
  CHECK(stripe.secret.id ==
        "https://billing-prod-kv.vault.azure.net/secrets/stripe-key/"
        "4387e9f3d6e14c459867679a90fd0f79");
  CHECK(stripe.secret.version_id == "4387e9f3d6e14c459867679a90fd0f79");
  CHECK(stripe.secret.region.empty());
  CHECK(stripe.secret.account.empty());
  CHECK(stripe.operation == kGetSecret);
  CHECK(stripe.identity.provider == "azure");
  CHECK(stripe.identity.mechanism == IdentityMechanism::kAzureWorkloadIdentity);
  CHECK(stripe.identity.principal == "11111111-1111-1111-1111-111111111111");
  CHECK(stripe.identity.tenant_id == "44444444-4444-4444-4444-444444444444");
  CHECK(stripe.identity.kubernetes_namespace == "billing");
  CHECK(stripe.identity.service_account == "billing-eso");
  CHECK(sp::test::chain_steps(stripe) ==
        std::vector<std::string>{"ExternalSecret billing/billing@22",
                                 "SecretStore billing/billing-kv@12",
                                 "ServiceAccount billing/billing-eso@4",
                                 "azure.workload.identity/client-id annotation@7",
                                 "azure.workload.identity/tenant-id annotation@8"});

  const PermissionEdge& db = result.edges[1];
  CHECK(db.reference.location.line == 30);
  CHECK(db.reference.location.column == 14);
  CHECK(db.secret.id == "https://billing-prod-kv.vault.azure.net/secrets/db-config");
  CHECK(db.secret.json_key == "password");

  const PermissionEdge& settings = result.edges[2];
  CHECK(settings.reference.kind == "external-secret-azurekv");
  CHECK(settings.reference.path == "spec.dataFrom[0].extract.key");
  CHECK(settings.reference.location.line == 35);
  CHECK(settings.reference.location.column == 22);
  CHECK(settings.secret.id == "https://billing-prod-kv.vault.azure.net/secrets/app-settings");
}

TEST_CASE("azurekv tenant defaults in order", "[resolve]") {
  const std::string tenant_line =
      "    azure.workload.identity/tenant-id: 44444444-4444-4444-4444-444444444444\n";
  std::string without_annotation = replace(kEsoFiles, tenant_line, "");

  auto unset = resolve_eso(without_annotation);
  REQUIRE(unset.edges.size() == 3);
  CHECK(unset.edges[0].unresolved_reason ==
        "ServiceAccount billing/billing-eso has no azure.workload.identity/tenant-id annotation, "
        "so the tenant is the webhook's AZURE_TENANT_ID; add the annotation or set "
        "azure.tenant_id in .github/secret-preflight.yml");
  CHECK(unset.edges[0].identity.principal == "11111111-1111-1111-1111-111111111111");

  sp::config::Config config;
  config.azure.tenant_id = "55555555-5555-5555-5555-555555555555";
  auto from_config = resolve_eso(without_annotation, config);
  REQUIRE(from_config.edges.size() == 3);
  CHECK(from_config.edges[0].unresolved_reason.empty());
  CHECK(from_config.edges[0].identity.tenant_id == "55555555-5555-5555-5555-555555555555");
  CHECK(has_assumption(from_config.edges[0],
                       "tenant 55555555-5555-5555-5555-555555555555 taken from azure.tenant_id"));

  // The annotation wins over the config; the store's tenantId wins over both.
  auto annotated = resolve_eso(kEsoFiles, config);
  REQUIRE(annotated.edges.size() == 3);
  CHECK(annotated.edges[0].identity.tenant_id == "44444444-4444-4444-4444-444444444444");
  auto store_tenant = resolve_eso(
      replace(kEsoFiles, "      authType: WorkloadIdentity\n",
              "      authType: WorkloadIdentity\n"
              "      tenantId: 66666666-6666-6666-6666-666666666666\n"),
      config);
  REQUIRE(store_tenant.edges.size() == 3);
  CHECK(store_tenant.edges[0].identity.tenant_id == "66666666-6666-6666-6666-666666666666");
}

TEST_CASE("azurekv unresolved identities name the fix", "[resolve]") {
  struct Case {
    std::string from;
    std::string to;
    std::string reason;
  };
  std::vector<Case> cases = {
      {"    azure.workload.identity/client-id: 11111111-1111-1111-1111-111111111111\n", "",
       "ServiceAccount billing/billing-eso has no azure.workload.identity/client-id annotation; "
       "add the client ID of the managed identity or application it should act as"},
      {"      authType: WorkloadIdentity\n", "",
       "SecretStore billing/billing-kv authenticates as a service principal (authType "
       "ServicePrincipal, the default) with credentials from authSecretRef, whose client ID the "
       "manifests cannot show; use authType WorkloadIdentity to have it checked"},
      {"authType: WorkloadIdentity", "authType: ManagedIdentity",
       "SecretStore billing/billing-kv reads with the controller's managed identity (authType "
       "ManagedIdentity), which the manifests cannot tie to a federated credential; use "
       "authType WorkloadIdentity to have it checked"},
      {"      serviceAccountRef: {name: billing-eso}\n", "",
       "SecretStore billing/billing-kv has no serviceAccountRef, so the External Secrets "
       "controller reads with its own workload identity (its AZURE_CLIENT_ID), which the "
       "manifests cannot show; add serviceAccountRef"},
      {"serviceAccountRef: {name: billing-eso}", "serviceAccountRef: {name: other}",
       "ServiceAccount billing/other is not in the scanned manifests; add it with its "
       "azure.workload.identity/client-id annotation, or scan the manifests that create it"},
      {"vaultUrl: https://billing-prod-kv.vault.azure.net", "vaultUrl: https://${VAULT}.vault.azure.net",
       "vaultUrl \"https://${VAULT}.vault.azure.net\" still holds the template placeholder "
       "\"${VAULT}\"; render the manifests (helm template, envsubst, kustomize build) and scan "
       "the output"},
      {"key: secret/stripe-key", "key: \"{{ .Values.stripe }}\"",
       "remoteRef key \"{{ .Values.stripe }}\" still holds the template placeholder "
       "\"{{ .Values.stripe }}\"; render the manifests (helm template, envsubst, kustomize "
       "build) and scan the output"},
  };
  for (const Case& one : cases) {
    INFO(one.from << " -> " << one.to);
    auto result = resolve_eso(replace(kEsoFiles, one.from, one.to));
    REQUIRE_FALSE(result.edges.empty());
    CHECK(result.edges[0].unresolved_reason == one.reason);
    CHECK(result.edges[0].identity.provider == "azure");
  }
}

TEST_CASE("azurekv ClusterSecretStore uses referent namespace", "[resolve]") {
  std::string text = replace(kEsoFiles, "kind: SecretStore\nmetadata: {name: billing-kv, namespace: billing}",
                             "kind: ClusterSecretStore\nmetadata: {name: billing-kv}");
  text = replace(text, "secretStoreRef: {name: billing-kv}",
                 "secretStoreRef: {name: billing-kv, kind: ClusterSecretStore}");
  auto referent = resolve_eso(text);
  REQUIRE(referent.edges.size() == 3);
  CHECK(referent.edges[0].unresolved_reason.empty());
  CHECK(referent.edges[0].identity.kubernetes_namespace == "billing");

  auto pinned = resolve_eso(replace(text, "serviceAccountRef: {name: billing-eso}",
                                    "serviceAccountRef: {name: billing-eso, namespace: eso}"));
  REQUIRE(pinned.edges.size() == 3);
  CHECK(pinned.edges[0].unresolved_reason.find("ServiceAccount eso/billing-eso is not in the "
                                               "scanned manifests") == 0);
}

TEST_CASE("azurekv find is an unresolved list edge", "[resolve]") {
  auto result = resolve_eso(replace(kEsoFiles, "    - extract: {key: app-settings}\n",
                                    "    - find: {name: {regexp: \"^billing-\"}}\n"));
  REQUIRE(result.edges.size() == 3);
  const PermissionEdge& find = result.edges[2];
  CHECK(find.reference.kind == "external-secret-azurekv");
  CHECK(find.operation == "Microsoft.KeyVault/vaults/secrets/readMetadata/action");
  CHECK(find.secret.id == "https://billing-prod-kv.vault.azure.net/secrets");
  CHECK(find.unresolved_reason.find("dataFrom.find on an azurekv store") == 0);
}

TEST_CASE("Azure names that redirect the probe are errors", "[resolve]") {
  // Each would send the identity's token elsewhere or read another secret.
  for (const std::string vault : {"127.0.0.1:8443/secrets/orders-db?",
                                  "shop-kv.vault.azure.net/secrets/orders-db#", "kv", "a.b"}) {
    INFO("keyvaultName " << vault);
    auto result = resolve_csi(replace(kCsiFiles, "\"billing-prod-kv\"", "\"" + vault + "\""));
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].message.starts_with("invalid keyvaultName \"" + vault + "\""));
    CHECK(result.edges.empty());
  }
  for (const std::string version : {"..", ".", "4387e9f3d6e14c459867679a90fd0f79?x=1"}) {
    INFO("objectVersion " << version);
    auto result = resolve_csi(replace(kCsiFiles, "objectVersion: 4387e9f3d6e14c459867679a90fd0f79",
                                      "objectVersion: \"" + version + "\""));
    std::vector<sp::Diagnostic> errors;
    for (const auto& diagnostic : result.diagnostics)
      if (diagnostic.severity == sp::Diagnostic::Severity::kError) errors.push_back(diagnostic);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.starts_with("invalid objectVersion \"" + version + "\""));
  }
}
