#include <catch2/catch.hpp>

#include "harness.h"

using sp::IdentityMechanism;
using sp::PermissionEdge;

namespace {

sp::config::Config gcp_config() {
  sp::config::Config config;
  config.gcp.default_project = "shop-prod";
  sp::config::GcpProject project;
  project.id = "shop-prod";
  project.number = "123456789";
  config.gcp.projects.push_back(project);
  return config;
}

// A Cloud Run service with a same-project secret, a full-name cross-project
// secret and an aliased cross-project volume, its project in
// metadata.namespace.
const std::string kInvoices = R"(apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: invoices
  namespace: shop-prod
  labels:
    cloud.googleapis.com/location: europe-west1
spec:
  template:
    metadata:
      annotations:
        run.googleapis.com/secrets: "shared-signing:projects/example-shared/secrets/signing-key"
    spec:
      serviceAccountName: invoices-run@shop-prod.iam.gserviceaccount.com
      containers:
        - name: app
          image: europe-west1-docker.pkg.dev/shop-prod/apps/invoices:3.1.0
          env:
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {name: invoices-db, key: "4"}
            - name: API_TOKEN
              valueFrom:
                secretKeyRef:
                  name: projects/example-other/secrets/api-token
                  key: latest
          volumeMounts:
            - {name: signing, mountPath: /secrets/signing}
      volumes:
        - name: signing
          secret:
            secretName: shared-signing
            items:
              - {key: latest, path: key.pem}
              - {key: "2", path: old.pem}
)";

// A Cloud Run service named "api" with `spec_lines` under spec.template.spec.
std::string service(const std::string& metadata_lines, const std::string& spec_lines) {
  return "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n  name: api\n" +
         metadata_lines +
         "  labels: {cloud.googleapis.com/location: us-central1}\n"
         "spec:\n  template:\n    spec:\n" +
         spec_lines;
}

const std::string kEnvSecret =
    "      containers:\n        - env:\n            - name: DB\n"
    "              valueFrom: {secretKeyRef: {name: db, key: latest}}\n";

const std::string kReportsAccount = R"(apiVersion: v1
kind: ServiceAccount
metadata:
  name: reports-ksa
  namespace: reports
  annotations:
    iam.gke.io/gcp-service-account: reports-runtime@shop-prod.iam.gserviceaccount.com
)";

const std::string kPlainAccount = R"(apiVersion: v1
kind: ServiceAccount
metadata: {name: reports-ksa, namespace: reports}
)";

const std::string kReportsDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: reports, namespace: reports}
spec:
  selector: {matchLabels: {app: reports}}
  template:
    spec:
      serviceAccountName: reports-ksa
      volumes:
        - name: secrets
          csi:
            driver: secrets-store.csi.k8s.io
            volumeAttributes: {secretProviderClass: reports-secrets}
)";

std::string gcp_class(const std::string& parameters) {
  return "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\n"
         "metadata: {name: reports-secrets, namespace: reports}\nspec:\n  provider: gcp\n"
         "  parameters:\n" +
         parameters;
}

const std::string kTwoSecrets =
    "    secrets: |\n"
    "      - resourceName: \"projects/shop-prod/secrets/reports-db/versions/7\"\n"
    "        path: \"db.json\"\n"
    "        extractJSONKey: password\n"
    "      - resourceName: projects/shop-prod/locations/europe-west1/secrets/api/versions/latest\n"
    "        fileName: api.txt\n";

std::string gcpsm_store(const std::string& kind, const std::string& gcpsm) {
  std::string metadata = kind == "ClusterSecretStore"
                             ? "metadata: {name: gsm}\n"
                             : "metadata: {name: gsm, namespace: reports}\n";
  return "apiVersion: external-secrets.io/v1\nkind: " + kind + "\n" + metadata +
         "spec:\n  provider:\n    gcpsm:\n" + gcpsm;
}

std::string external_secret(const std::string& store_kind, const std::string& spec) {
  return "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
         "metadata: {name: reports, namespace: reports}\nspec:\n"
         "  secretStoreRef: {name: gsm, kind: " +
         store_kind + "}\n" + spec;
}

const std::string kWorkloadIdentityAuth =
    "      projectID: shop-data\n"
    "      auth:\n"
    "        workloadIdentity:\n"
    "          serviceAccountRef: {name: reports-ksa}\n";

}  // namespace

TEST_CASE("Cloud Run env secret reads as serviceAccountName", "[resolve]") {
  auto result = sp::test::resolve_files({{"run/invoices.yaml", kInvoices}}, gcp_config());
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 4);

  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.reference.kind == "cloud-run-env-secret");
  CHECK(edge.reference.path ==
        "spec.template.spec.containers[app].env[DB_PASSWORD].valueFrom.secretKeyRef.name");
  CHECK(edge.reference.location.file == "run/invoices.yaml");
  CHECK(edge.reference.location.line == 21);
  CHECK(edge.reference.location.column == 38);
  CHECK(edge.secret.provider == "gcp");
  CHECK(edge.secret.service == "secretmanager");
  CHECK(edge.secret.id == "projects/shop-prod/secrets/invoices-db/versions/4");
  CHECK(edge.secret.project == "shop-prod");
  CHECK(edge.secret.json_key.empty());
  CHECK(edge.operation == "secretmanager.versions.access");
  CHECK(edge.identity.provider == "gcp");
  CHECK(edge.identity.principal == "invoices-run@shop-prod.iam.gserviceaccount.com");
  CHECK(edge.identity.mechanism == IdentityMechanism::kCloudRunServiceAccount);
  CHECK(edge.unresolved_reason.empty());
  CHECK(edge.assumptions.empty());
  CHECK(sp::test::chain_steps(edge) ==
        std::vector<std::string>{
            "Cloud Run service invoices@4",
            "serviceAccountName invoices-run@shop-prod.iam.gserviceaccount.com@14"});
}

TEST_CASE("Cloud Run cross-project secrets keep their project", "[resolve]") {
  auto result = sp::test::resolve_files({{"run/invoices.yaml", kInvoices}}, gcp_config());
  REQUIRE(result.edges.size() == 4);

  const PermissionEdge& full_name = result.edges[1];
  CHECK(full_name.reference.kind == "cloud-run-env-secret");
  CHECK(full_name.reference.location.line == 25);
  CHECK(full_name.reference.location.column == 25);
  CHECK(full_name.secret.id == "projects/example-other/secrets/api-token/versions/latest");
  CHECK(full_name.secret.project == "example-other");

  const PermissionEdge& alias = result.edges[2];
  CHECK(alias.reference.kind == "cloud-run-volume-secret");
  CHECK(alias.reference.path == "spec.template.spec.volumes[signing].secret.items[key.pem].key");
  CHECK(alias.reference.location.line == 34);
  CHECK(alias.reference.location.column == 23);
  CHECK(alias.secret.id == "projects/example-shared/secrets/signing-key/versions/latest");
  CHECK(alias.secret.project == "example-shared");
  CHECK(alias.identity.principal == "invoices-run@shop-prod.iam.gserviceaccount.com");

  const PermissionEdge& second_item = result.edges[3];
  CHECK(second_item.reference.location.line == 35);
  CHECK(second_item.secret.id == "projects/example-shared/secrets/signing-key/versions/2");
}

TEST_CASE("Cloud Run default compute account is assumed", "[resolve]") {
  auto result = sp::test::resolve_files(
      {{"run/api.yaml", service("  namespace: shop-prod\n", kEnvSecret)}}, gcp_config());
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 1);
  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.identity.principal == "123456789-compute@developer.gserviceaccount.com");
  CHECK(edge.identity.mechanism == IdentityMechanism::kCloudRunServiceAccount);
  CHECK(edge.unresolved_reason.empty());
  CHECK(edge.secret.id == "projects/shop-prod/secrets/db/versions/latest");
  CHECK(edge.assumptions ==
        std::vector<std::string>{
            "default compute service account: no serviceAccountName in Cloud Run service api"});
  CHECK(sp::test::chain_steps(edge) ==
        std::vector<std::string>{"Cloud Run service api@4", "default compute service account@10"});
}

TEST_CASE("Cloud Run project number namespace needs no config", "[resolve]") {
  auto result =
      sp::test::resolve_files({{"run/api.yaml", service("  namespace: \"555000111\"\n", kEnvSecret)}});
  REQUIRE(result.edges.size() == 1);
  CHECK(result.edges[0].identity.principal == "555000111-compute@developer.gserviceaccount.com");
  CHECK(result.edges[0].secret.id == "projects/555000111/secrets/db/versions/latest");
  CHECK(result.edges[0].unresolved_reason.empty());
}

TEST_CASE("Cloud Run project from default_project", "[resolve]") {
  sp::config::Config config = gcp_config();
  auto result = sp::test::resolve_files(
      {{"run/api.yaml",
        service("", "      serviceAccountName: api@shop-prod.iam.gserviceaccount.com\n" +
                        kEnvSecret)}},
      config);
  REQUIRE(result.edges.size() == 1);
  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.secret.id == "projects/shop-prod/secrets/db/versions/latest");
  CHECK(edge.assumptions ==
        std::vector<std::string>{"project shop-prod of Cloud Run service api taken from "
                                 "gcp.default_project in the config file"});
}

TEST_CASE("Cloud Run default account without number is unresolved", "[resolve]") {
  sp::config::Config config;
  config.gcp.default_project = "shop-prod";
  auto result = sp::test::resolve_files({{"run/api.yaml", service("", kEnvSecret)}}, config);
  REQUIRE(result.edges.size() == 1);
  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.identity.principal.empty());
  CHECK(edge.unresolved_reason ==
        "Cloud Run service api sets no serviceAccountName, so it runs as the default compute "
        "service account, which names the project number; add {id: shop-prod, number: ...} under "
        "gcp.projects[].number in .github/secret-preflight.yml");
}

TEST_CASE("Cloud Run without project is unresolved", "[resolve]") {
  auto result = sp::test::resolve_files(
      {{"run/api.yaml",
        service("", "      serviceAccountName: api@shop-prod.iam.gserviceaccount.com\n" +
                        kEnvSecret)}});
  REQUIRE(result.edges.size() == 1);
  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.identity.principal == "api@shop-prod.iam.gserviceaccount.com");
  CHECK(edge.secret.id == "db");
  CHECK(edge.unresolved_reason ==
        "secret \"db\" of Cloud Run service api is in the service's project, which is not known; "
        "set metadata.namespace or gcp.default_project in .github/secret-preflight.yml");
}

TEST_CASE("Cloud Run job reads its task template", "[resolve]") {
  const std::string job = R"(apiVersion: run.googleapis.com/v1
kind: Job
metadata:
  name: nightly
  namespace: shop-prod
spec:
  template:
    metadata:
      annotations:
        run.googleapis.com/secrets: "shared:projects/example-shared/secrets/export-key"
    spec:
      template:
        spec:
          serviceAccountName: nightly@shop-prod.iam.gserviceaccount.com
          containers:
            - env:
                - name: EXPORT_KEY
                  valueFrom: {secretKeyRef: {name: shared, key: "3"}}
          volumes:
            - name: creds
              secret: {secretName: creds}
)";
  auto result = sp::test::resolve_files({{"run/job.yaml", job}}, gcp_config());
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 2);
  CHECK(result.edges[0].reference.kind == "cloud-run-env-secret");
  CHECK(result.edges[0].reference.location.line == 18);
  CHECK(result.edges[0].secret.id == "projects/example-shared/secrets/export-key/versions/3");
  CHECK(result.edges[0].identity.principal == "nightly@shop-prod.iam.gserviceaccount.com");
  CHECK(sp::test::chain_steps(result.edges[0]).front() == "Cloud Run job nightly@4");

  const PermissionEdge& volume = result.edges[1];
  CHECK(volume.reference.kind == "cloud-run-volume-secret");
  CHECK(volume.reference.path == "spec.template.spec.volumes[creds].secret.secretName");
  CHECK(volume.reference.location.line == 21);
  CHECK(volume.reference.location.column == 36);
  CHECK(volume.secret.id == "projects/shop-prod/secrets/creds/versions/latest");
  CHECK(volume.assumptions ==
        std::vector<std::string>{
            "secret volume creds lists no items, so Cloud Run mounts the latest version"});
}

TEST_CASE("Cloud Run placeholders are unresolved", "[resolve]") {
  auto result = sp::test::resolve_files(
      {{"run/api.yaml",
        service("  namespace: shop-prod\n",
                "      serviceAccountName: __RUNTIME_SA__\n"
                "      containers:\n        - env:\n            - name: DB\n"
                "              valueFrom: {secretKeyRef: {name: \"${DB_SECRET}\", key: latest}}\n")}},
      gcp_config());
  REQUIRE(result.edges.size() == 1);
  CHECK(result.edges[0].unresolved_reason ==
        "serviceAccountName \"__RUNTIME_SA__\" still holds the template placeholder "
        "\"__RUNTIME_SA__\"; render the manifests (helm template, envsubst, kustomize build) and "
        "scan the output");

  auto secret_only = sp::test::resolve_files(
      {{"run/api.yaml",
        service("  namespace: shop-prod\n",
                "      containers:\n        - env:\n            - name: DB\n"
                "              valueFrom: {secretKeyRef: {name: db, key: \"{{ .Values.v }}\"}}\n")}},
      gcp_config());
  REQUIRE(secret_only.edges.size() == 1);
  CHECK(secret_only.edges[0].unresolved_reason.starts_with(
      "secret version \"{{ .Values.v }}\" still holds the template placeholder"));
}

TEST_CASE("Cloud Run malformed secrets annotation is an error", "[resolve]") {
  const std::string text = R"(apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: api, namespace: shop-prod}
spec:
  template:
    metadata:
      annotations:
        run.googleapis.com/secrets: "ENV=projects/p/secrets/x:latest"
    spec:
      containers:
        - env:
            - {name: A, valueFrom: {secretKeyRef: {name: "bad/name", key: latest}}}
            - {name: B, valueFrom: {secretKeyRef: {name: db}}}
)";
  auto result = sp::test::resolve_files({{"run/api.yaml", text}}, gcp_config());
  REQUIRE(result.diagnostics.size() == 3);
  CHECK(result.diagnostics[0].location.line == 13);
  CHECK(result.diagnostics[0].message ==
        "secretKeyRef of environment variable B in Cloud Run service api has no key; set the "
        "secret version (latest or a number)");
  CHECK(result.diagnostics[1].location.line == 8);
  CHECK(result.diagnostics[1].location.column == 37);
  CHECK(result.diagnostics[1].message ==
        "invalid entry \"ENV=projects/p/secrets/x:latest\" in the run.googleapis.com/secrets "
        "annotation of Cloud Run service api: expected ALIAS:projects/PROJECT/secrets/SECRET");
  CHECK(result.diagnostics[2].location.line == 12);
  CHECK(result.diagnostics[2].message.starts_with("invalid secret name \"bad/name\""));
  REQUIRE(result.edges.size() == 1);
  CHECK_FALSE(result.edges[0].unresolved_reason.empty());
}

TEST_CASE("Knative Service without markers is skipped", "[resolve]") {
  const std::string text = R"(apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      containers:
        - env:
            - {name: A, valueFrom: {secretKeyRef: {name: db, key: password}}}
)";
  auto result = sp::test::resolve_files({{"knative/api.yaml", text}}, gcp_config());
  CHECK(result.edges.empty());
  REQUIRE(result.diagnostics.size() == 1);
  CHECK(result.diagnostics[0].severity == sp::Diagnostic::Severity::kWarning);
  CHECK(result.diagnostics[0].location.line == 3);
}

TEST_CASE("GKE annotated ServiceAccount reads as the GSA", "[resolve]") {
  auto result = sp::test::resolve_files({{"k8s/sa.yaml", kReportsAccount},
                                         {"k8s/deploy.yaml", kReportsDeployment},
                                         {"k8s/class.yaml", gcp_class(kTwoSecrets)}},
                                        gcp_config());
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 2);

  const PermissionEdge& db = result.edges[0];
  CHECK(db.reference.kind == "csi-gcp-secret");
  CHECK(db.reference.path == "spec.parameters.secrets[db.json].resourceName");
  CHECK(db.reference.location.file == "k8s/class.yaml");
  CHECK(db.reference.location.line == 8);
  CHECK(db.reference.location.column == 23);
  CHECK(db.secret.provider == "gcp");
  CHECK(db.secret.id == "projects/shop-prod/secrets/reports-db/versions/7");
  CHECK(db.secret.project == "shop-prod");
  CHECK(db.secret.json_key == "password");
  CHECK(db.operation == "secretmanager.versions.access");
  CHECK(db.identity.provider == "gcp");
  CHECK(db.identity.principal == "reports-runtime@shop-prod.iam.gserviceaccount.com");
  CHECK(db.identity.mechanism == IdentityMechanism::kGkeServiceAccount);
  CHECK(db.identity.kubernetes_namespace == "reports");
  CHECK(db.identity.service_account == "reports-ksa");
  CHECK(db.unresolved_reason.empty());
  CHECK(sp::test::chain_steps(db) ==
        std::vector<std::string>{
            "Deployment reports/reports@3", "ServiceAccount reports/reports-ksa@4",
            "iam.gke.io/gcp-service-account annotation@7",
            "Workload Identity member serviceAccount:shop-prod.svc.id.goog[reports/reports-ksa]@7"});

  const PermissionEdge& regional = result.edges[1];
  CHECK(regional.reference.path == "spec.parameters.secrets[api.txt].resourceName");
  CHECK(regional.reference.location.line == 11);
  CHECK(regional.reference.location.column == 23);
  CHECK(regional.secret.id ==
        "projects/shop-prod/locations/europe-west1/secrets/api/versions/latest");
  CHECK(regional.secret.region == "europe-west1");
  CHECK(regional.secret.json_key.empty());
}

TEST_CASE("GKE ServiceAccount without annotation is direct principal", "[resolve]") {
  auto result = sp::test::resolve_files({{"k8s/sa.yaml", kPlainAccount},
                                         {"k8s/deploy.yaml", kReportsDeployment},
                                         {"k8s/class.yaml", gcp_class(kTwoSecrets)}},
                                        gcp_config());
  REQUIRE(result.edges.size() == 2);
  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.identity.mechanism == IdentityMechanism::kGkeDirectPrincipal);
  CHECK(edge.identity.principal ==
        "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/"
        "shop-prod.svc.id.goog/subject/ns/reports/sa/reports-ksa");
  CHECK(edge.unresolved_reason.empty());
  CHECK(edge.assumptions == std::vector<std::string>{"Workload Identity pool shop-prod.svc.id.goog "
                                                     "taken from gcp.default_project in the "
                                                     "config file"});
}

TEST_CASE("GKE direct principal needs config", "[resolve]") {
  sp::test::ManifestFiles files = {{"k8s/sa.yaml", kPlainAccount},
                                   {"k8s/deploy.yaml", kReportsDeployment},
                                   {"k8s/class.yaml", gcp_class(kTwoSecrets)}};
  auto no_project = sp::test::resolve_files(files);
  REQUIRE(no_project.edges.size() == 2);
  CHECK(no_project.edges[0].identity.principal.empty());
  CHECK(no_project.edges[0].unresolved_reason ==
        "ServiceAccount reports/reports-ksa has no iam.gke.io/gcp-service-account annotation, so "
        "it reads as its own principal:// subject, which names the cluster's project; set "
        "gcp.default_project in .github/secret-preflight.yml");

  sp::config::Config config;
  config.gcp.default_project = "shop-prod";
  auto no_number = sp::test::resolve_files(files, config);
  REQUIRE(no_number.edges.size() == 2);
  CHECK(no_number.edges[0].unresolved_reason ==
        "ServiceAccount reports/reports-ksa has no iam.gke.io/gcp-service-account annotation, so "
        "it reads as its own principal:// subject, which names the number of project shop-prod; "
        "add {id: shop-prod, number: ...} under gcp.projects[] in .github/secret-preflight.yml");
}

TEST_CASE("GKE CSI class problems", "[resolve]") {
  std::string parameters =
      "    auth: provider-adc\n"
      "    secrets: |\n"
      "      - resourceName: projects/shop-prod/secrets/no-version\n"
      "      - resourceName: projects/${PROJECT}/secrets/db/versions/1\n"
      "      - resourceName: projects/p/locations/global/parameters/cfg/versions/v1\n";
  auto result = sp::test::resolve_files({{"k8s/sa.yaml", kReportsAccount},
                                         {"k8s/deploy.yaml", kReportsDeployment},
                                         {"k8s/class.yaml", gcp_class(parameters)}},
                                        gcp_config());
  REQUIRE(result.diagnostics.size() == 2);
  CHECK(result.diagnostics[0].severity == sp::Diagnostic::Severity::kError);
  CHECK(result.diagnostics[0].location.line == 9);
  CHECK(result.diagnostics[0].message ==
        "invalid resourceName \"projects/shop-prod/secrets/no-version\" in SecretProviderClass "
        "reports/reports-secrets: expected projects/PROJECT/secrets/SECRET/versions/VERSION");
  CHECK(result.diagnostics[1].severity == sp::Diagnostic::Severity::kWarning);
  CHECK(result.diagnostics[1].location.line == 11);
  REQUIRE(result.edges.size() == 1);
  CHECK(result.edges[0].reference.location.line == 10);
  // The class's own auth decides the identity before the placeholder does.
  CHECK(result.edges[0].unresolved_reason ==
        "SecretProviderClass reports/reports-secrets sets auth provider-adc, so the provider "
        "DaemonSet reads with its own credentials, which the manifests cannot show; use pod-adc "
        "(the default) to read as the pod");
}

TEST_CASE("ExternalSecret gcpsm reads through workload identity", "[resolve]") {
  std::string spec =
      "  data:\n"
      "    - secretKey: password\n"
      "      remoteRef: {key: reports-db, property: password}\n"
      "    - secretKey: token\n"
      "      remoteRef: {key: api-token, version: \"5\"}\n"
      "  dataFrom:\n"
      "    - extract: {key: reports-config}\n";
  auto result = sp::test::resolve_files(
      {{"k8s/sa.yaml", kReportsAccount},
       {"k8s/store.yaml", gcpsm_store("SecretStore", kWorkloadIdentityAuth)},
       {"k8s/es.yaml", external_secret("SecretStore", spec)}},
      gcp_config());
  CHECK(result.diagnostics.empty());
  REQUIRE(result.edges.size() == 3);

  const PermissionEdge& password = result.edges[0];
  CHECK(password.reference.kind == "external-secret-gcpsm");
  CHECK(password.reference.path == "spec.data[password].remoteRef.key");
  CHECK(password.reference.location.line == 8);
  CHECK(password.reference.location.column == 24);
  CHECK(password.secret.id == "projects/shop-data/secrets/reports-db/versions/latest");
  CHECK(password.secret.project == "shop-data");
  CHECK(password.secret.json_key == "password");
  CHECK(password.operation == "secretmanager.versions.access");
  CHECK(password.identity.principal == "reports-runtime@shop-prod.iam.gserviceaccount.com");
  CHECK(password.identity.mechanism == IdentityMechanism::kGkeServiceAccount);
  CHECK(password.unresolved_reason.empty());
  CHECK(sp::test::chain_steps(password) ==
        std::vector<std::string>{
            "ExternalSecret reports/reports@3", "SecretStore reports/gsm@3",
            "ServiceAccount reports/reports-ksa@4", "iam.gke.io/gcp-service-account annotation@7",
            "Workload Identity member serviceAccount:shop-prod.svc.id.goog[reports/reports-ksa]@7"});

  CHECK(result.edges[1].secret.id == "projects/shop-data/secrets/api-token/versions/5");
  CHECK(result.edges[1].reference.location.line == 10);
  CHECK(result.edges[2].reference.path == "spec.dataFrom[0].extract.key");
  CHECK(result.edges[2].secret.id == "projects/shop-data/secrets/reports-config/versions/latest");
}

TEST_CASE("ClusterSecretStore gcpsm uses clusterProjectID pool", "[resolve]") {
  std::string gcpsm =
      "      projectID: shop-data\n"
      "      location: europe-west1\n"
      "      auth:\n"
      "        workloadIdentity:\n"
      "          clusterProjectID: shop-prod\n"
      "          serviceAccountRef: {name: reports-ksa, namespace: reports}\n";
  auto result = sp::test::resolve_files(
      {{"k8s/sa.yaml", kPlainAccount},
       {"k8s/store.yaml", gcpsm_store("ClusterSecretStore", gcpsm)},
       {"k8s/es.yaml",
        external_secret("ClusterSecretStore",
                        "  data:\n    - {secretKey: a, remoteRef: {key: a, version: \"2\"}}\n")}},
      gcp_config());
  REQUIRE(result.edges.size() == 1);
  const PermissionEdge& edge = result.edges[0];
  CHECK(edge.secret.id == "projects/shop-data/locations/europe-west1/secrets/a/versions/2");
  CHECK(edge.secret.region == "europe-west1");
  CHECK(edge.identity.mechanism == IdentityMechanism::kGkeDirectPrincipal);
  CHECK(edge.identity.principal ==
        "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/"
        "shop-prod.svc.id.goog/subject/ns/reports/sa/reports-ksa");
  CHECK(edge.assumptions.empty());
}

TEST_CASE("gcpsm store without auth uses controller account", "[resolve]") {
  sp::test::ManifestFiles files = {
      {"k8s/store.yaml", gcpsm_store("SecretStore", "      projectID: shop-data\n")},
      {"k8s/es.yaml",
       external_secret("SecretStore",
                       "  data:\n    - {secretKey: a, remoteRef: {key: a, metadataPolicy: "
                       "Fetch, property: team}}\n")}};
  auto unresolved = sp::test::resolve_files(files, gcp_config());
  REQUIRE(unresolved.edges.size() == 1);
  CHECK(unresolved.edges[0].unresolved_reason ==
        "SecretStore reports/gsm has no auth, so the External Secrets controller reads with its "
        "own Google credentials; set kubernetes.external_secrets.controller_gcp_service_account "
        "in .github/secret-preflight.yml");

  sp::config::Config config = gcp_config();
  config.kubernetes.external_secrets_controller_gcp_service_account =
      "eso@shop-prod.iam.gserviceaccount.com";
  auto resolved = sp::test::resolve_files(files, config);
  REQUIRE(resolved.edges.size() == 1);
  const PermissionEdge& edge = resolved.edges[0];
  CHECK(edge.unresolved_reason.empty());
  CHECK(edge.identity.principal == "eso@shop-prod.iam.gserviceaccount.com");
  CHECK(edge.identity.mechanism == IdentityMechanism::kControllerIdentity);
  CHECK(edge.operation == "secretmanager.secrets.get");
  CHECK(edge.secret.id == "projects/shop-data/secrets/a");
  CHECK(edge.secret.json_key.empty());
}

TEST_CASE("gcpsm unresolved cases name the fix", "[resolve]") {
  auto key_secret = sp::test::resolve_files(
      {{"k8s/store.yaml",
        gcpsm_store("SecretStore",
                    "      projectID: p-123456\n      auth:\n        secretRef:\n"
                    "          secretAccessKeySecretRef: {name: key, key: key.json}\n")},
       {"k8s/es.yaml",
        external_secret("SecretStore", "  data:\n    - {secretKey: a, remoteRef: {key: a}}\n")}});
  REQUIRE(key_secret.edges.size() == 1);
  CHECK(key_secret.edges[0].unresolved_reason.starts_with(
      "SecretStore reports/gsm authenticates with a service account key"));

  auto placeholder = sp::test::resolve_files(
      {{"k8s/sa.yaml", kReportsAccount},
       {"k8s/store.yaml", gcpsm_store("SecretStore", kWorkloadIdentityAuth)},
       {"k8s/es.yaml",
        external_secret("SecretStore",
                        "  data:\n    - {secretKey: a, remoteRef: {key: \"__SECRET__\"}}\n"
                        "  dataFrom:\n    - find: {name: {regexp: \"^r\"}}\n")}},
      gcp_config());
  REQUIRE(placeholder.edges.size() == 2);
  CHECK(placeholder.edges[0].unresolved_reason.starts_with(
      "remoteRef key \"__SECRET__\" still holds the template placeholder \"__SECRET__\""));
  CHECK(placeholder.edges[1].reference.kind == "external-secret-gcpsm");
  CHECK(placeholder.edges[1].operation == "secretmanager.secrets.list");
  CHECK(placeholder.edges[1].unresolved_reason.starts_with(
      "dataFrom.find on a gcpsm store lists secrets"));
}

TEST_CASE("Cloud Run invalid secret versions are errors", "[resolve]") {
  for (const std::string version : {"##[error]", "1:access?", "../../other/versions/1"}) {
    INFO("version " << version);
    std::string text = kInvoices;
    std::string from = "key: \"4\"";
    text.replace(text.find(from), from.size(), "key: \"" + version + "\"");
    auto result = sp::test::resolve_files({{"run/invoices.yaml", text}}, gcp_config());
    REQUIRE(result.diagnostics.size() == 1);
    CHECK(result.diagnostics[0].location.line == 21);
    CHECK(result.diagnostics[0].message ==
          "invalid secret version \"" + version +
              "\" in Cloud Run service invoices: expected latest, a version number or a version "
              "alias");
    REQUIRE(result.edges.size() == 4);
    CHECK(result.edges[0].unresolved_reason == "secret version \"" + version + "\" is invalid");
  }
  std::string alias = kInvoices;
  alias.replace(alias.find("key: \"4\""), 8, "key: prod-2026");
  auto result = sp::test::resolve_files({{"run/invoices.yaml", alias}}, gcp_config());
  CHECK(result.diagnostics.empty());
  CHECK(result.edges[0].secret.id == "projects/shop-prod/secrets/invoices-db/versions/prod-2026");
}
