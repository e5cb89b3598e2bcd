#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

#include "auth/gcp_endpoints.h"
#include "auth/gcp_tokens.h"
#include "fake_transport.h"
#include "util/redaction.h"

using sp::auth::GoogleStep;
using sp::testing::FakeTransport;
using sp::testing::respond;

namespace {

// Payload {"sub":"repo:octo/shop:ref:refs/heads/main","repository":"octo/shop"}.
const std::string kCiToken =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9jdG8vc2hvcDpyZWY6cmVmcy9oZWFkcy9tYWluIiwicmVwb3NpdG9yeSI6Im9jdG8vc2hvcCJ9.sig";
const std::string kProvider = "projects/123456789/locations/global/workloadIdentityPools/gh/providers/gh-prov";

struct GoogleEnv {
  GoogleEnv() {
    setenv("GCP_CI_TOKEN", kCiToken.c_str(), 1);
    setenv("CLOUDSDK_API_ENDPOINT_OVERRIDES_STS", "https://127.0.0.1:9/sts/", 1);
    setenv("CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS", "https://127.0.0.1:9/iamcredentials", 1);
  }
};

sp::auth::RetryPolicy no_wait() {
  sp::auth::RetryPolicy retry;
  retry.random = [] { return 0.0; };
  retry.sleep = [](std::chrono::duration<double>) {};
  return retry;
}

sp::auth::WorkloadProvider provider() { return {kProvider, "//iam.googleapis.com/" + kProvider}; }


}  // namespace

TEST_CASE("google endpoints honour gcloud overrides") {
  setenv("CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER", "https://127.0.0.1:9/sm", 1);
  CHECK(sp::auth::google_url(sp::auth::GoogleApi::kSecretManager, "v1/x") == "https://127.0.0.1:9/sm/v1/x");
  unsetenv("CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER");
  CHECK(sp::auth::google_base_url(sp::auth::GoogleApi::kSecretManager) == "https://secretmanager.googleapis.com/");
  CHECK(sp::auth::google_override_variable(sp::auth::GoogleApi::kPolicyTroubleshooter) ==
        "CLOUDSDK_API_ENDPOINT_OVERRIDES_POLICYTROUBLESHOOTER");
}

TEST_CASE("google exchange and impersonation request shapes") {
  GoogleEnv env;
  FakeTransport transport([](const sp::http::Request& request) {
    if (request.url.find("/sts/v1/token") != std::string::npos)
      return respond(200, R"({"access_token":"federated-token-abc","token_type":"Bearer","expires_in":3599})");
    return respond(200, R"({"accessToken":"ya29.sa-token-xyz","expireTime":"2026-01-01T13:00:00Z"})");
  });
  sp::auth::GoogleTokenBroker broker(transport, {"", "GCP_CI_TOKEN", ""}, no_wait());
  auto token = broker.service_account_token(provider(), "api@shop-prod.iam.gserviceaccount.com");
  REQUIRE(token.token);
  CHECK(token.token->reveal() == "ya29.sa-token-xyz");
  CHECK(token.repository == "octo/shop");
  CHECK(sp::redaction::contains_registered("x ya29.sa-token-xyz"));
  CHECK(sp::redaction::contains_registered("x federated-token-abc"));

  auto requests = transport.requests();
  REQUIRE(requests.size() == 2);
  const auto& exchange = requests[0];
  CHECK(exchange.url == "https://127.0.0.1:9/sts/v1/token");
  CHECK(exchange.method == "POST");
  CHECK(sp::testing::header_of(exchange, "Authorization").empty());
  CHECK(exchange.body.find(R"("audience":"//iam.googleapis.com/)" + kProvider + "\"") != std::string::npos);
  CHECK(exchange.body.find(R"("grantType":"urn:ietf:params:oauth:grant-type:token-exchange")") != std::string::npos);
  CHECK(exchange.body.find(R"("requestedTokenType":"urn:ietf:params:oauth:token-type:access_token")") !=
        std::string::npos);
  CHECK(exchange.body.find(R"("subjectTokenType":"urn:ietf:params:oauth:token-type:jwt")") != std::string::npos);
  CHECK(exchange.body.find(R"("scope":"https://www.googleapis.com/auth/cloud-platform")") != std::string::npos);

  const auto& impersonation = requests[1];
  CHECK(impersonation.url == "https://127.0.0.1:9/iamcredentials/v1/projects/-/serviceAccounts/"
                             "api@shop-prod.iam.gserviceaccount.com:generateAccessToken");
  CHECK(sp::testing::header_of(impersonation, "Authorization") == "Bearer federated-token-abc");
  CHECK(impersonation.body.find(R"("scope":["https://www.googleapis.com/auth/cloud-platform"])") != std::string::npos);
  CHECK(impersonation.body.find(R"("lifetime":"600s")") != std::string::npos);
}

TEST_CASE("google tokens cached across threads") {
  GoogleEnv env;
  FakeTransport transport([](const sp::http::Request& request) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (request.url.find("/v1/token") != std::string::npos)
      return respond(200, R"({"access_token":"federated-token-abc"})");
    return respond(200, R"({"accessToken":"ya29.sa-token-xyz"})");
  });
  sp::auth::GoogleTokenBroker broker(transport, {"", "GCP_CI_TOKEN", ""}, no_wait());
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      broker.service_account_token(provider(), i % 2 ? "a@p.iam.gserviceaccount.com" : "b@p.iam.gserviceaccount.com");
    });
  for (auto& thread : threads) thread.join();
  int exchanges = 0;
  int impersonations = 0;
  for (const auto& request : transport.requests()) {
    if (request.url.ends_with("/v1/token")) ++exchanges;
    else ++impersonations;
  }
  CHECK(exchanges == 1);
  CHECK(impersonations == 2);
}

TEST_CASE("google exchange failure keeps oauth error") {
  GoogleEnv env;
  FakeTransport transport([](const sp::http::Request&) {
    return respond(400, R"({"error":"unauthorized_client","error_description":"The given credential is rejected by the attribute condition."})");
  });
  sp::auth::GoogleTokenBroker broker(transport, {"", "GCP_CI_TOKEN", ""}, no_wait());
  auto token = broker.service_account_token(provider(), "a@p.iam.gserviceaccount.com");
  REQUIRE(token.failure);
  CHECK(token.failure->step == GoogleStep::kExchange);
  REQUIRE(token.failure->error);
  CHECK(token.failure->error->code == "unauthorized_client");
  CHECK(token.repository == "octo/shop");
  CHECK(transport.requests().size() == 1);
}

TEST_CASE("google impersonation denial reason") {
  GoogleEnv env;
  FakeTransport transport([](const sp::http::Request& request) {
    if (request.url.ends_with("/v1/token")) return respond(200, R"({"access_token":"federated-token-abc"})");
    return respond(403, R"({"error":{"code":403,"message":"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED","domain":"iam.googleapis.com"}]}})");
  });
  sp::auth::GoogleTokenBroker broker(transport, {"", "GCP_CI_TOKEN", ""}, no_wait());
  auto token = broker.service_account_token(provider(), "a@p.iam.gserviceaccount.com");
  REQUIRE(token.failure);
  CHECK(token.failure->step == GoogleStep::kImpersonation);
  CHECK(token.failure->error->code == "PERMISSION_DENIED");
  CHECK(token.failure->error->http_status == 403);
  CHECK(token.failure->reason == "IAM_PERMISSION_DENIED");
}
