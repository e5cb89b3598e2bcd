#include <catch2/catch.hpp>

#include "harness.h"
#include "resolve/kubernetes/pod_template.h"
#include "resolve/kubernetes/service_account_identity.h"

using sp::IdentityMechanism;
using sp::resolve::kubernetes::find_pod_template;
using sp::resolve::kubernetes::ObjectIndex;

namespace {
// Returns the ServiceAccount of the one object in `text`, or "none".
std::string service_account_of(const std::string& text) {
  std::vector<sp::Diagnostic> diagnostics;
  auto documents = sp::manifest::load_manifest_text("w.yaml", text, diagnostics);
  REQUIRE(diagnostics.empty());
  ObjectIndex index(documents, "default");
  REQUIRE(index.objects().size() == 1);
  auto pod = find_pod_template(index.objects()[0]);
  return pod ? pod->service_account : "none";
}
}  // namespace

TEST_CASE("Pod spec found for each workload kind", "[resolve]") {
  struct Case {
    std::string manifest;
    std::string service_account;
  };
  std::vector<Case> cases = {
      {"kind: Pod\nspec: {serviceAccountName: a}\n", "a"},
      {"kind: Deployment\nspec: {selector: {}, template: {spec: {serviceAccountName: a}}}\n", "a"},
      {"kind: StatefulSet\nspec: {selector: {}, template: {spec: {serviceAccountName: a}}}\n", "a"},
      {"kind: DaemonSet\nspec: {selector: {}, template: {spec: {serviceAccountName: a}}}\n", "a"},
      {"kind: ReplicaSet\nspec: {selector: {}, template: {spec: {serviceAccountName: a}}}\n", "a"},
      {"kind: ReplicationController\nspec: {template: {spec: {serviceAccountName: a}}}\n", "a"},
      {"kind: Job\nspec: {template: {spec: {serviceAccountName: a}}}\n", "a"},
      {"apiVersion: batch/v1beta1\nkind: CronJob\n"
       "spec: {jobTemplate: {spec: {template: {spec: {serviceAccountName: a}}}}}\n",
       "a"},
      {"kind: PodTemplate\ntemplate: {spec: {serviceAccountName: a}}\n", "a"},
      {"kind: Pod\nspec: {serviceAccount: legacy}\n", "legacy"},
      {"kind: Pod\nspec: {serviceAccount: legacy, serviceAccountName: a}\n", "a"},
      {"kind: Pod\nspec: {serviceAccountName: \"\", serviceAccount: legacy}\n", "legacy"},
      {"kind: Pod\nspec: {containers: []}\n", "default"},
      {"kind: ConfigMap\ndata: {}\n", "none"},
  };
  for (const auto& test : cases) {
    INFO(test.manifest);
    CHECK(service_account_of(test.manifest) == test.service_account);
  }
}

TEST_CASE("Kustomize patch is reported, not resolved", "[resolve]") {
  auto result = sp::test::resolve_files(
      {{"overlays/prod/patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  template:\n    spec:\n      serviceAccountName: api\n"}});
  CHECK(result.edges.empty());
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].severity == sp::Diagnostic::Severity::kWarning);
  CHECK(result.diagnostics[0].location.line == 1);
  CHECK(result.diagnostics[0].message ==
        "Deployment shop/web has no spec.selector, so it is a kustomize patch; scan the "
        "`kustomize build` output instead");
}

TEST_CASE("Helm source is recorded on edges", "[resolve]") {
  sp::config::Config config;
  config.kubernetes.external_secrets_controller_role_arn = "arn:aws:iam::111122223333:role/eso";
  auto result = sp::test::resolve_files(
      {{"rendered.yaml",
        "---\n# Source: shop/templates/store.yaml\n"
        "apiVersion: external-secrets.io/v1\nkind: SecretStore\n"
        "metadata: {name: s, namespace: shop}\n"
        "spec: {provider: {aws: {service: SecretsManager, region: us-east-1}}}\n"
        "---\n# Source: shop/templates/es.yaml\n"
        "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
        "metadata: {name: e, namespace: shop}\n"
        "spec:\n  secretStoreRef: {name: s}\n  data:\n"
        "    - {secretKey: a, remoteRef: {key: app/a}}\n"}},
      config);
  REQUIRE(result.edges.size() == 1);
  CHECK(result.edges[0].assumptions ==
        std::vector<std::string>{"rendered from Helm template shop/templates/es.yaml"});
  CHECK(result.edges[0].identity.mechanism == IdentityMechanism::kControllerIdentity);
  CHECK(sp::test::chain_steps(result.edges[0]) ==
        std::vector<std::string>{"ExternalSecret shop/e@11", "SecretStore shop/s@5",
                                 "External Secrets controller role (config)@0"});
}

TEST_CASE("Pod Identity wins over IRSA for application pods", "[resolve]") {
  std::vector<sp::Diagnostic> diagnostics;
  auto documents = sp::manifest::load_manifest_text(
      "sa.yaml",
      "kind: ServiceAccount\nmetadata:\n  name: api\n  namespace: shop\n  annotations:\n"
      "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/irsa\n"
      "    eks.amazonaws.com/audience: custom\n",
      diagnostics);
  ObjectIndex index(documents, "default");
  sp::config::Config config;

  auto irsa = sp::resolve::kubernetes::resolve_application_identity(index, config, "shop", "api");
  CHECK(irsa.unresolved_reason.empty());
  CHECK(irsa.identity.mechanism == IdentityMechanism::kIrsa);
  CHECK(irsa.identity.principal == "arn:aws:iam::111122223333:role/irsa");
  CHECK(irsa.identity.audience == "custom");

  sp::config::PodIdentityAssociation association;
  association.kubernetes_namespace = "shop";
  association.service_account = "api";
  association.role_arn = "arn:aws:iam::111122223333:role/first";
  association.target_role_arn = "arn:aws:iam::444455556666:role/target";
  config.kubernetes.pod_identity_associations.push_back(association);
  auto pod_identity =
      sp::resolve::kubernetes::resolve_application_identity(index, config, "shop", "api");
  CHECK(pod_identity.identity.mechanism == IdentityMechanism::kPodIdentity);
  CHECK(pod_identity.identity.principal == "arn:aws:iam::444455556666:role/target");
  CHECK(pod_identity.identity.assumed_before ==
        std::vector<std::string>{"arn:aws:iam::111122223333:role/first"});

  auto other_namespace =
      sp::resolve::kubernetes::resolve_application_identity(index, config, "other", "api");
  CHECK(other_namespace.unresolved_reason ==
        "ServiceAccount other/api is not in the scanned manifests; add it with its "
        "eks.amazonaws.com/role-arn annotation, or scan the manifests that create it");
}

TEST_CASE("Quoted CSI objects keep their line", "[resolve]") {
  auto result = sp::test::resolve_files(
      {{"a.yaml",
        "kind: ServiceAccount\nmetadata:\n  name: default\n  namespace: shop\n  annotations:\n"
        "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/r\n"
        "---\n"
        "kind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  volumes:\n"
        "    - csi: {driver: secrets-store.csi.k8s.io, volumeAttributes: {secretProviderClass: "
        "c}}\n"
        "---\n"
        "kind: SecretProviderClass\nmetadata: {name: c, namespace: shop}\nspec:\n"
        "  provider: aws\n  parameters:\n    region: us-east-1\n"
        "    objects: \"- {objectName: db, objectType: secretsmanager}\"\n"}});
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 1);
  CHECK(result.edges[0].reference.location.line == 20);
  CHECK(result.edges[0].reference.location.column == 30);
  CHECK(
      result.edges[0].assumptions ==
      std::vector<std::string>{"Pod shop/p sets no serviceAccountName, so it runs as \"default\""});
  CHECK(result.edges[0].identity.principal == "arn:aws:iam::111122223333:role/r");
}
