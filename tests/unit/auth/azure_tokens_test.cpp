#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

#include "auth/azure_endpoints.h"
#include "auth/azure_response.h"
#include "auth/azure_tokens.h"
#include "fake_transport.h"
#include "util/redaction.h"

using sp::auth::AzureResource;
using sp::auth::AzureStep;
using sp::testing::FakeTransport;
using sp::testing::form_param;
using sp::testing::respond;

namespace {

// Payload {"iss":"https://token.actions.githubusercontent.com",
// "sub":"repo:octo/shop:environment:preflight","aud":"api://AzureADTokenExchange","repository":"octo/shop"}.
const std::string kCiToken =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwic3ViIjoicmVwbzpvY3RvL3Nob3A6ZW52aXJv"
    "bm1lbnQ6cHJlZmxpZ2h0IiwiYXVkIjoiYXBpOi8vQXp1cmVBRFRva2VuRXhjaGFuZ2UiLCJyZXBvc2l0b3J5Ijoib2N0by9zaG9wIn0.sig";
const std::string kTenant = "11111111-2222-3333-4444-555555555555";
const std::string kClientId = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

struct AzureEnv {
  AzureEnv() {
    setenv("AZURE_CI_TOKEN", kCiToken.c_str(), 1);
    setenv("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9/_azure/login", 1);
  }
  ~AzureEnv() { unsetenv("AZURE_AUTHORITY_HOST"); }
};

sp::auth::RetryPolicy no_wait() {
  sp::auth::RetryPolicy retry;
  retry.random = [] { return 0.0; };
  retry.sleep = [](std::chrono::duration<double>) {};
  return retry;
}

sp::auth::AzureCloud public_cloud() { return *sp::auth::azure_cloud("AzurePublicCloud"); }

sp::auth::AzureTokenBroker broker(FakeTransport& transport, sp::auth::RetryPolicy retry = no_wait()) {
  return sp::auth::AzureTokenBroker(transport, {"", "AZURE_CI_TOKEN", "api://AzureADTokenExchange"}, public_cloud(),
                                    retry);
}

std::string entra_error(long code, const std::string& error, const std::string& description) {
  return "{\"error\":\"" + error + "\",\"error_description\":\"AADSTS" + std::to_string(code) + ": " + description +
         " Trace ID: 0000 Correlation ID: 1111 Timestamp: 2026-01-01 12:00:00Z\",\"error_codes\":[" +
         std::to_string(code) + "],\"trace_id\":\"trace-1\"}";
}

}  // namespace

TEST_CASE("azure clouds name their hosts") {
  auto cloud = sp::auth::azure_cloud("azureusgovernment");
  REQUIRE(cloud);
  CHECK(cloud->vault_suffix == "vault.usgovcloudapi.net");
  CHECK(sp::auth::keyvault_scope(*cloud) == "https://vault.usgovcloudapi.net/.default");
  CHECK(sp::auth::management_scope(*cloud) == "https://management.usgovcloudapi.net/.default");
  CHECK(sp::auth::keyvault_scope(public_cloud()) == "https://vault.azure.net/.default");
  CHECK(sp::auth::keyvault_scope(*sp::auth::azure_cloud("AzureChinaCloud")) == "https://vault.azure.cn/.default");
  CHECK_FALSE(sp::auth::azure_cloud("AzureGermanCloud"));
}

TEST_CASE("azure endpoints honour overrides") {
  unsetenv("AZURE_AUTHORITY_HOST");
  unsetenv("SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL");
  CHECK(sp::auth::azure_token_url(public_cloud(), kTenant) ==
        "https://login.microsoftonline.com/" + kTenant + "/oauth2/v2.0/token");
  CHECK(sp::auth::management_base_url(public_cloud()) == "https://management.azure.com/");
  setenv("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9/login", 1);
  setenv("SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL", "https://127.0.0.1:9/arm", 1);
  CHECK(sp::auth::azure_token_url(public_cloud(), kTenant) == "https://127.0.0.1:9/login/" + kTenant +
                                                                  "/oauth2/v2.0/token");
  CHECK(sp::auth::management_base_url(public_cloud()) == "https://127.0.0.1:9/arm/");
  unsetenv("AZURE_AUTHORITY_HOST");
  unsetenv("SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL");
}

TEST_CASE("keyvault secret id parsing") {
  auto secret = sp::auth::parse_keyvault_secret_id("https://shop-kv.vault.azure.net/secrets/db-password");
  REQUIRE(secret);
  CHECK(secret->vault == "shop-kv");
  CHECK(secret->vault_url == "https://shop-kv.vault.azure.net");
  CHECK(secret->name == "db-password");
  CHECK(secret->version.empty());

  auto versioned = sp::auth::parse_keyvault_secret_id(
      "https://shop-kv.vault.azure.net/secrets/db-password/4387e9f3d6e14c459867679a90fd0f79", "ignored");
  REQUIRE(versioned);
  CHECK(versioned->version == "4387e9f3d6e14c459867679a90fd0f79");

  auto from_field = sp::auth::parse_keyvault_secret_id("https://shop-kv.vault.azure.net/secrets/db/",
                                                       "4387e9f3d6e14c459867679a90fd0f79");
  REQUIRE(from_field);
  CHECK(from_field->name == "db");
  CHECK(from_field->version == "4387e9f3d6e14c459867679a90fd0f79");

  CHECK_FALSE(sp::auth::parse_keyvault_secret_id("db-password"));
  // A token may go only to a Key Vault host, and only for a plain name and version.
  for (const char* hostile : {"https://127.0.0.1:8443/secrets/db",
                              "https://kv.attacker.example/secrets/db",
                              "https://shop-kv.vault.azure.net.attacker.example/secrets/db",
                              "http://shop-kv.vault.azure.net/secrets/db",
                              "https://shop-kv.vault.azure.net/secrets/db?x=1",
                              "https://shop-kv.vault.azure.net/secrets/db/..",
                              "https://shop-kv.vault.azure.net/secrets/db/abc"}) {
    INFO(hostile);
    CHECK_FALSE(sp::auth::parse_keyvault_secret_id(hostile));
  }
  CHECK(sp::auth::parse_keyvault_secret_id("https://shop-kv.vault.usgovcloudapi.net/secrets/db"));
  CHECK_FALSE(sp::auth::parse_keyvault_secret_id("https://shop-kv.vault.azure.net/keys/db"));
  CHECK_FALSE(sp::auth::parse_keyvault_secret_id("https://shop-kv.vault.azure.net/secrets/"));
}

TEST_CASE("keyvault url template substitutes vault") {
  auto parsed = sp::auth::parse_keyvault_secret_id("https://shop-kv.vault.azure.net/secrets/db/4387e9f3d6e14c459867679a90fd0f79");
  REQUIRE(parsed);
  auto secret = *parsed;
  unsetenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE");
  CHECK(sp::auth::keyvault_secret_url(secret) ==
        "https://shop-kv.vault.azure.net/secrets/db/4387e9f3d6e14c459867679a90fd0f79?api-version=7.4");
  setenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE", "https://127.0.0.1:8443/_azure/keyvault/{vault}/", 1);
  CHECK(sp::auth::keyvault_secret_url(secret) ==
        "https://127.0.0.1:8443/_azure/keyvault/shop-kv/secrets/db/4387e9f3d6e14c459867679a90fd0f79?api-version=7.4");
  secret.version.clear();
  CHECK(sp::auth::keyvault_secret_url(secret) ==
        "https://127.0.0.1:8443/_azure/keyvault/shop-kv/secrets/db?api-version=7.4");
  unsetenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE");
}

TEST_CASE("entra error parsing") {
  auto error = sp::auth::parse_entra_error(respond(400, entra_error(700213, "invalid_client", "No matching")));
  CHECK(error.code == "AADSTS700213");
  CHECK(sp::auth::aadsts_number(error) == 700213);
  CHECK(error.message == "AADSTS700213: No matching");
  CHECK(error.request_id == "trace-1");
  CHECK(error.http_status == 400);

  auto plain = sp::auth::parse_entra_error(respond(400, R"({"error":"invalid_request"})"));
  CHECK(plain.code == "invalid_request");
  CHECK(sp::auth::aadsts_number(plain) == 0);
}

TEST_CASE("keyvault error parsing") {
  auto response = respond(
      403, R"({"error":{"code":"Forbidden","message":"Caller is not authorized","innererror":{"code":"ForbiddenByRbac"}}})",
      {{"x-ms-request-id", "req-9"}});
  auto error = sp::auth::parse_keyvault_error(response);
  CHECK(error.code == "Forbidden");
  CHECK(error.message == "Caller is not authorized");
  CHECK(error.request_id == "req-9");
  CHECK(sp::auth::keyvault_inner_code(response.body) == "ForbiddenByRbac");
  CHECK(sp::auth::keyvault_inner_code(
            R"({"error":{"code":"Forbidden","innererror":{"code":"A","innererror":{"code":"B"}}}})") == "B");
  CHECK(sp::auth::keyvault_inner_code(R"({"error":{"code":"SecretNotFound"}})").empty());
}

TEST_CASE("azure token request shape") {
  AzureEnv env;
  FakeTransport transport([](const sp::http::Request&) {
    return respond(200, R"({"token_type":"Bearer","expires_in":3599,"access_token":"kv-access-token-123"})");
  });
  auto tokens = broker(transport);
  auto token = tokens.token(kTenant, kClientId, AzureResource::kKeyVault);
  REQUIRE(token.token);
  CHECK(token.token->reveal() == "kv-access-token-123");
  CHECK(sp::redaction::contains_registered("x kv-access-token-123"));
  REQUIRE(token.claims);
  CHECK(token.claims->sub == "repo:octo/shop:environment:preflight");

  auto requests = transport.requests();
  REQUIRE(requests.size() == 1);
  const auto& request = requests[0];
  CHECK(request.method == "POST");
  CHECK(request.url == "https://127.0.0.1:9/_azure/login/" + kTenant + "/oauth2/v2.0/token");
  CHECK(sp::testing::header_of(request, "Content-Type") == "application/x-www-form-urlencoded");
  CHECK(sp::testing::header_of(request, "Authorization").empty());
  CHECK(form_param(request.body, "client_id") == kClientId);
  CHECK(form_param(request.body, "scope") == "https://vault.azure.net/.default");
  CHECK(form_param(request.body, "grant_type") == "client_credentials");
  CHECK(form_param(request.body, "client_assertion_type") ==
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  CHECK(form_param(request.body, "client_assertion") == kCiToken);
  CHECK(request.body.find("scope=https%3A%2F%2Fvault.azure.net%2F.default") != std::string::npos);
}

TEST_CASE("azure management token scope") {
  AzureEnv env;
  FakeTransport transport([](const sp::http::Request&) { return respond(200, R"({"access_token":"arm-token-456"})"); });
  auto tokens = broker(transport);
  auto token = tokens.token(kTenant, kClientId, AzureResource::kManagement);
  REQUIRE(token.token);
  CHECK(form_param(transport.requests()[0].body, "scope") == "https://management.azure.com/.default");
}

TEST_CASE("azure tokens cached per identity") {
  AzureEnv env;
  FakeTransport transport([](const sp::http::Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return respond(200, R"({"access_token":"kv-access-token-123"})");
  });
  auto tokens = broker(transport);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] { CHECK(tokens.token(kTenant, kClientId, AzureResource::kKeyVault).token); });
  for (auto& thread : threads) thread.join();
  CHECK(transport.requests().size() == 1);

  tokens.token(kTenant, "other-client", AzureResource::kKeyVault);
  tokens.token("other-tenant", kClientId, AzureResource::kKeyVault);
  CHECK(transport.requests().size() == 3);
  tokens.token("other-tenant", kClientId, AzureResource::kKeyVault);
  CHECK(transport.requests().size() == 3);
}

TEST_CASE("azure token failure keeps claims") {
  AzureEnv env;
  FakeTransport transport([](const sp::http::Request&) {
    return respond(400, entra_error(700213, "invalid_client", "No matching federated identity record found"));
  });
  auto tokens = broker(transport);
  auto token = tokens.token(kTenant, kClientId, AzureResource::kKeyVault);
  CHECK_FALSE(token.token);
  REQUIRE(token.failure);
  CHECK(token.failure->step == AzureStep::kTokenRequest);
  REQUIRE(token.failure->error);
  CHECK(token.failure->error->code == "AADSTS700213");
  REQUIRE(token.claims);
  CHECK(token.claims->iss == "https://token.actions.githubusercontent.com");
  // A client error is not retried.
  CHECK(transport.requests().size() == 1);
}

TEST_CASE("azure token request retries server errors") {
  AzureEnv env;
  int calls = 0;
  FakeTransport transport([&](const sp::http::Request&) {
    if (++calls < 3) return respond(503, "");
    return respond(200, R"({"access_token":"kv-access-token-123"})");
  });
  auto tokens = broker(transport);
  CHECK(tokens.token(kTenant, kClientId, AzureResource::kKeyVault).token);
  CHECK(calls == 3);
}

TEST_CASE("azure token without ci token") {
  AzureEnv env;
  unsetenv("AZURE_CI_TOKEN");
  FakeTransport transport([](const sp::http::Request&) { return respond(500, ""); });
  sp::auth::AzureTokenBroker tokens(transport, {"", "AZURE_CI_TOKEN", "api://AzureADTokenExchange"}, public_cloud(),
                                    no_wait());
  auto token = tokens.token(kTenant, kClientId, AzureResource::kKeyVault);
  REQUIRE(token.failure);
  CHECK(token.failure->step == AzureStep::kCiToken);
  CHECK_FALSE(token.failure->token_error.empty());
}
