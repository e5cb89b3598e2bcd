#include <catch2/catch.hpp>

#include <cstdlib>

#include "../auth/fake_transport.h"
#include "probe/gcp_probe.h"
#include "probe/prober.h"
#include "util/redaction.h"

using sp::Layer;
using sp::Verdict;
using sp::testing::FakeTransport;
using sp::testing::respond;

namespace {

const std::string kCiToken =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9jdG8vc2hvcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6Im9jdG8vc2hvcCJ9.sig";
const std::string kProvider = "projects/123456789/locations/global/workloadIdentityPools/gh/providers/gh-prov";
const std::string kServiceAccount = "api@shop-prod.iam.gserviceaccount.com";
const std::string kCanary = "canary-value-7f3a9";
// base64 of {"password":"canary-value-7f3a9"}; its CRC32C is 1128576100.
const std::string kPayload = "eyJwYXNzd29yZCI6ImNhbmFyeS12YWx1ZS03ZjNhOSJ9";

struct GoogleEnv {
  GoogleEnv() {
    setenv("GCP_CI_TOKEN", kCiToken.c_str(), 1);
    setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:9/aws", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    for (const char* api : {"STS", "IAMCREDENTIALS", "IAM", "SECRETMANAGER", "POLICYTROUBLESHOOTER"})
      setenv((std::string("CLOUDSDK_API_ENDPOINT_OVERRIDES_") + api).c_str(),
             (std::string("https://127.0.0.1:9/") + api + "/").c_str(), 1);
  }
};

sp::config::Config config() {
  sp::config::Config config;
  config.gcp.workload_identity_provider = kProvider;
  config.gcp.default_project = "shop-prod";
  return config;
}

sp::probe::ProbeOptions options(const sp::config::Config& config) {
  sp::probe::ProbeOptions options;
  options.token_env = "GCP_CI_TOKEN";
  options.base_delay_seconds = 0;
  options.concurrency = 4;
  options.config = &config;
  return options;
}

sp::PermissionEdge google_edge(const std::string& secret, const std::string& key = "") {
  sp::PermissionEdge edge;
  edge.operation = "secretmanager.versions.access";
  edge.secret.provider = "gcp";
  edge.secret.service = "secretmanager";
  edge.secret.id = secret;
  edge.secret.json_key = key;
  edge.identity.provider = "gcp";
  edge.identity.principal = kServiceAccount;
  edge.identity.mechanism = sp::IdentityMechanism::kCloudRunServiceAccount;
  return edge;
}

// Returns tokens for STS and generateAccessToken, and passes other calls to `secret_manager`.
FakeTransport::Handler google(std::function<sp::http::Response(const sp::http::Request&)> secret_manager) {
  return [secret_manager](const sp::http::Request& request) {
    if (request.url.find("/STS/v1/token") != std::string::npos)
      return respond(200, R"({"access_token":"federated-token-abc"})");
    if (request.url.find("/IAMCREDENTIALS/") != std::string::npos)
      return respond(200, R"({"accessToken":"ya29.sa-token-xyz"})");
    return secret_manager(request);
  };
}

std::string status(int code, const std::string& name, const std::string& message) {
  return "{\"error\":{\"code\":" + std::to_string(code) + ",\"message\":\"" + message + "\",\"status\":\"" + name +
         "\"}}";
}

}  // namespace

TEST_CASE("google access ok reads payload without leaking") {
  GoogleEnv env;
  auto cfg = config();
  FakeTransport transport(google([](const sp::http::Request&) {
    return respond(200, R"({"name":"projects/1/secrets/db/versions/3","payload":{"data":")" + kPayload +
                            R"(","dataCrc32c":"1128576100"}})");
  }));
  auto results = sp::probe::probe_edges({google_edge("db", "password"), google_edge("db", "user")}, options(cfg),
                                         transport);
  REQUIRE(results.size() == 2);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[1].verdict == Verdict::kKeyMissing);
  for (const auto& result : results) {
    CHECK(result.message.find(kCanary) == std::string::npos);
    CHECK(result.fix.find(kCanary) == std::string::npos);
  }
  // Like the AWS probe, the value is wiped, not kept in the redaction list.
  CHECK_FALSE(sp::redaction::contains_registered(kCanary));

  int exchanges = 0;
  for (const auto& request : transport.requests()) {
    CHECK(request.url.find("/aws") == std::string::npos);
    if (request.url.ends_with("/STS/v1/token")) ++exchanges;
    if (request.url.find("/SECRETMANAGER/") != std::string::npos) {
      CHECK(request.method == "GET");
      CHECK(request.url == "https://127.0.0.1:9/SECRETMANAGER/v1/projects/shop-prod/secrets/db/versions/latest:access");
      CHECK(sp::testing::header_of(request, "Authorization") == "Bearer ya29.sa-token-xyz");
    }
  }
  CHECK(exchanges == 1);
}

TEST_CASE("google access payload not json") {
  GoogleEnv env;
  auto cfg = config();
  FakeTransport transport(google([](const sp::http::Request&) {
    // base64 of "canary-value-7f3a9", which is not JSON.
    return respond(200, R"({"payload":{"data":"Y2FuYXJ5LXZhbHVlLTdmM2E5"}})");
  }));
  auto results = sp::probe::probe_edges({google_edge("projects/shop-prod/secrets/db/versions/2", "k")}, options(cfg),
                                        transport);
  CHECK(results[0].verdict == Verdict::kKeyMissing);
  CHECK(results[0].message.find("not JSON") != std::string::npos);
  CHECK(results[0].message.find(kCanary) == std::string::npos);
}

TEST_CASE("google access empty payload with key") {
  GoogleEnv env;
  auto cfg = config();
  // Google leaves out `data` when the version's payload is empty.
  FakeTransport transport(google([](const sp::http::Request&) { return respond(200, R"({"payload":{}})"); }));
  auto results = sp::probe::probe_edges({google_edge("db", "password"), google_edge("other")}, options(cfg),
                                        transport);
  REQUIRE(results.size() == 2);
  CHECK(results[0].verdict == Verdict::kKeyMissing);
  CHECK(results[1].verdict == Verdict::kOk);
}

TEST_CASE("google access crc mismatch inconclusive") {
  GoogleEnv env;
  auto cfg = config();
  FakeTransport transport(google([](const sp::http::Request&) {
    return respond(200, R"({"payload":{"data":")" + kPayload + R"(","dataCrc32c":"1"}})");
  }));
  auto results = sp::probe::probe_edges({google_edge("db")}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kInconclusive);
}

TEST_CASE("google access error classification") {
  struct Case {
    int http_status;
    std::string body;
    Verdict verdict;
    Layer layer;
    std::string phrase;
  };
  const std::vector<Case> cases = {
      {403, status(403, "PERMISSION_DENIED", "Permission 'secretmanager.versions.access' denied for resource 'projects/shop-prod/secrets/db/versions/latest' (or it may not exist)."),
       Verdict::kDenied, Layer::kIamBinding, "may not exist"},
      {404, status(404, "NOT_FOUND", "Secret [projects/1/secrets/db] not found or has no versions."), Verdict::kNotFound,
       Layer::kNone, "no such secret"},
      {400, status(400, "FAILED_PRECONDITION", "Secret Version [projects/1/secrets/db/versions/7] is in DISABLED state."),
       Verdict::kDisabled, Layer::kNone, "disabled"},
      {400, status(400, "FAILED_PRECONDITION", "Secret Version [projects/1/secrets/db/versions/7] is in DESTROYED state."),
       Verdict::kDisabled, Layer::kNone, "destroyed"},
      {401, status(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
       Verdict::kIdentityUnavailable, Layer::kUnknown, "rejected the access token"},
      {429, status(429, "RESOURCE_EXHAUSTED", "Quota exceeded."), Verdict::kInconclusive, Layer::kNone, "retries"},
      {503, status(503, "UNAVAILABLE", "The service is currently unavailable."), Verdict::kInconclusive, Layer::kNone,
       "retries"},
      {0, "", Verdict::kInconclusive, Layer::kNone, "connection"},
  };
  for (const auto& test : cases) {
    GoogleEnv env;
    auto cfg = config();
    FakeTransport transport(google([&](const sp::http::Request&) {
      auto response = respond(test.http_status, test.body);
      if (test.http_status == 0) response.transport_error = "Connection reset by peer";
      return response;
    }));
    auto results = sp::probe::probe_edges({google_edge("db")}, options(cfg), transport);
    INFO("HTTP " << test.http_status << " " << test.body);
    CHECK(results[0].verdict == test.verdict);
    CHECK(results[0].layer == test.layer);
    CHECK(results[0].message.find(test.phrase) != std::string::npos);
    int attempts = 0;
    for (const auto& request : transport.requests())
      if (request.url.find("/SECRETMANAGER/") != std::string::npos) ++attempts;
    CHECK(attempts == (test.verdict == Verdict::kInconclusive ? 3 : 1));
  }
}

TEST_CASE("google denied fix names accessor role") {
  GoogleEnv env;
  auto cfg = config();
  FakeTransport transport(google([](const sp::http::Request&) {
    return respond(403, status(403, "PERMISSION_DENIED", "denied (or it may not exist)."));
  }));
  auto results = sp::probe::probe_edges({google_edge("db")}, options(cfg), transport);
  CHECK(results[0].fix.find("roles/secretmanager.secretAccessor") != std::string::npos);
  CHECK(results[0].fix.find("serviceAccount:" + kServiceAccount) != std::string::npos);
}

TEST_CASE("google impersonation denied prints binding") {
  GoogleEnv env;
  auto cfg = config();
  FakeTransport transport([](const sp::http::Request& request) {
    if (request.url.ends_with("/STS/v1/token")) return respond(200, R"({"access_token":"federated-token-abc"})");
    return respond(403, status(403, "PERMISSION_DENIED", "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)."));
  });
  auto results = sp::probe::probe_edges({google_edge("db")}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kIdentityUnavailable);
  CHECK(results[0].layer == Layer::kTrustPolicy);
  CHECK(results[0].fix.find("gcloud iam service-accounts add-iam-policy-binding " + kServiceAccount +
                            " --role=roles/iam.workloadIdentityUser --member=\"principalSet://iam.googleapis.com/"
                            "projects/123456789/locations/global/workloadIdentityPools/gh/attribute.repository/"
                            "octo/shop\"") != std::string::npos);
  CHECK(results[0].fix.find(kCiToken) == std::string::npos);
  CHECK(results[0].message.find("federated-token-abc") == std::string::npos);
}

TEST_CASE("google attribute condition rejection") {
  GoogleEnv env;
  auto cfg = config();
  FakeTransport transport([](const sp::http::Request&) {
    return respond(400, R"({"error":"unauthorized_client","error_description":"The given credential is rejected by the attribute condition."})");
  });
  auto results = sp::probe::probe_edges({google_edge("db")}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kIdentityUnavailable);
  CHECK(results[0].layer == Layer::kTrustPolicy);
  CHECK(results[0].fix.find("octo/shop") != std::string::npos);
}

TEST_CASE("google simulation mapping") {
  struct Case {
    int http_status;
    std::string body;
    Verdict verdict;
    Layer layer;
  };
  const std::vector<Case> cases = {
      {200, R"({"access":"GRANTED"})", Verdict::kInconclusive, Layer::kNone},
      {200, R"({"access":"NOT_GRANTED"})", Verdict::kDenied, Layer::kIamBinding},
      {200, R"({"access":"UNKNOWN_CONDITIONAL"})", Verdict::kInconclusive, Layer::kNone},
      {403, status(403, "PERMISSION_DENIED", "no"), Verdict::kInconclusive, Layer::kNone},
  };
  const std::string principal =
      "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/"
      "shop-prod.svc.id.goog/subject/ns/shop/sa/api";
  for (const auto& test : cases) {
    GoogleEnv env;
    auto cfg = config();
    FakeTransport transport(google([&](const sp::http::Request&) { return respond(test.http_status, test.body); }));
    auto edge = google_edge("db");
    edge.identity.mechanism = sp::IdentityMechanism::kGkeDirectPrincipal;
    edge.identity.principal = principal;
    auto results = sp::probe::probe_edges({edge}, options(cfg), transport);
    INFO(test.body);
    CHECK(results[0].simulated);
    CHECK(results[0].verdict == test.verdict);
    CHECK(results[0].layer == test.layer);
    CHECK(results[0].message.starts_with("simulated"));
    auto requests = transport.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[1].url == "https://127.0.0.1:9/POLICYTROUBLESHOOTER/v1/iam:troubleshoot");
    CHECK(sp::testing::header_of(requests[1], "Authorization") == "Bearer federated-token-abc");
    CHECK(requests[1].body.find(R"("fullResourceName":"//secretmanager.googleapis.com/projects/shop-prod/secrets/db")") !=
          std::string::npos);
    CHECK(requests[1].body.find(R"("permission":"secretmanager.versions.access")") != std::string::npos);
  }
}

TEST_CASE("google gke trust edge") {
  const std::string member = "serviceAccount:shop-prod.svc.id.goog[shop/api]";
  struct Case {
    std::string policy_body;
    int policy_status;
    Verdict verdict;
    std::string phrase;
  };
  const std::vector<Case> cases = {
      {R"({"bindings":[{"role":"roles/iam.workloadIdentityUser","members":[")" + member + R"("]}]})", 200, Verdict::kOk,
       "returned the payload"},
      {R"({"bindings":[{"role":"roles/viewer","members":[")" + member + R"("]}]})", 200, Verdict::kDenied,
       "does not hold"},
      {status(403, "PERMISSION_DENIED", "no"), 403, Verdict::kOk, "trust edge was not checked"},
  };
  for (const auto& test : cases) {
    GoogleEnv env;
    auto cfg = config();
    FakeTransport transport(google([&](const sp::http::Request& request) {
      if (request.url.find("/IAM/") != std::string::npos) return respond(test.policy_status, test.policy_body);
      return respond(200, R"({"payload":{"data":")" + kPayload + R"("}})");
    }));
    auto edge = google_edge("db");
    edge.identity.mechanism = sp::IdentityMechanism::kGkeServiceAccount;
    edge.identity.kubernetes_namespace = "shop";
    edge.identity.service_account = "api";
    auto results = sp::probe::probe_edges({edge}, options(cfg), transport);
    INFO(test.policy_body);
    CHECK(results[0].verdict == test.verdict);
    CHECK(results[0].message.find(test.phrase) != std::string::npos);
    if (test.verdict == Verdict::kDenied) {
      CHECK(results[0].layer == Layer::kTrustPolicy);
      CHECK(results[0].fix.find("--member=\"" + member + "\"") != std::string::npos);
    }
  }
}

TEST_CASE("mixed providers keep order") {
  GoogleEnv env;
  auto cfg = config();
  FakeTransport transport([](const sp::http::Request& request) {
    if (request.url.find("/aws") != std::string::npos) {
      CHECK(request.body.find("federated-token-abc") == std::string::npos);
      CHECK(sp::testing::header_of(request, "Authorization").find("ya29") == std::string::npos);
      return respond(400, sp::testing::sts_error_xml("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"));
    }
    if (request.url.ends_with("/STS/v1/token")) return respond(200, R"({"access_token":"federated-token-abc"})");
    if (request.url.find("/IAMCREDENTIALS/") != std::string::npos)
      return respond(200, R"({"accessToken":"ya29.sa-token-xyz"})");
    return respond(200, R"({"payload":{"data":")" + kPayload + R"("}})");
  });
  sp::PermissionEdge aws;
  aws.operation = "secretsmanager:GetSecretValue";
  aws.secret.service = "secretsmanager";
  aws.secret.id = "shop/db";
  aws.secret.region = "us-east-1";
  aws.identity.principal = "arn:aws:iam::111122223333:role/shop-api-exec";
  // Vault secrets are not probed yet, so that edge is inconclusive.
  auto vault = google_edge("db");
  vault.secret.provider = "vault";
  auto results = sp::probe::probe_edges({google_edge("db"), aws, vault, google_edge("db")}, options(cfg), transport);
  REQUIRE(results.size() == 4);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[1].verdict == Verdict::kIdentityUnavailable);
  CHECK(results[1].edge.secret.id == "shop/db");
  CHECK(results[2].verdict == Verdict::kInconclusive);
  CHECK(results[3].verdict == Verdict::kOk);
}

TEST_CASE("google secret version names") {
  sp::SecretTarget secret;
  secret.id = "projects/other/secrets/db/versions/4";
  auto full = sp::probe::google_secret_version(secret, "shop-prod");
  REQUIRE(full);
  CHECK(full->version_name() == "projects/other/secrets/db/versions/4");
  secret.id = "db";
  secret.version_id = "2";
  auto bare = sp::probe::google_secret_version(secret, "shop-prod");
  REQUIRE(bare);
  CHECK(bare->version_name() == "projects/shop-prod/secrets/db/versions/2");
  CHECK_FALSE(sp::probe::google_secret_version(secret, ""));
}
