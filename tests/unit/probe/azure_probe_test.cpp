#include <catch2/catch.hpp>

#include <cstdlib>

#include "../auth/fake_transport.h"
#include "auth/azure_response.h"
#include "probe/azure_errors.h"
#include "probe/azure_probe.h"
#include "probe/prober.h"
#include "util/redaction.h"

using sp::Layer;
using sp::Verdict;
using sp::testing::FakeTransport;
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
const std::string kObjectId = "99999999-8888-7777-6666-555555555555";
const std::string kCanary = "canary-value-a2c41";
const std::string kSecretUrl = "https://shop-kv.vault.azure.net/secrets/db-password";
const std::string kVaultBase = "https://127.0.0.1:9/_azure/keyvault/shop-kv";

struct AzureEnv {
  AzureEnv() {
    setenv("AZURE_CI_TOKEN", kCiToken.c_str(), 1);
    setenv("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9/_azure/login/", 1);
    setenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE", "https://127.0.0.1:9/_azure/keyvault/{vault}", 1);
    setenv("SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL", "https://127.0.0.1:9/_azure/management/", 1);
    setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:9/aws", 1);
    unsetenv("AWS_ACCESS_KEY_ID");
  }
  ~AzureEnv() {
    unsetenv("AZURE_AUTHORITY_HOST");
    unsetenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE");
    unsetenv("SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL");
  }
};

sp::config::Config config(const std::string& tenant = kTenant) {
  sp::config::Config config;
  config.azure.tenant_id = tenant;
  return config;
}

sp::probe::ProbeOptions options(const sp::config::Config& config) {
  sp::probe::ProbeOptions options;
  options.token_env = "AZURE_CI_TOKEN";
  options.base_delay_seconds = 0;
  options.concurrency = 4;
  options.config = &config;
  return options;
}

sp::PermissionEdge azure_edge(const std::string& secret = kSecretUrl, const std::string& key = "") {
  sp::PermissionEdge edge;
  edge.operation = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
  edge.secret.provider = "azure";
  edge.secret.service = "keyvault";
  edge.secret.id = secret;
  edge.secret.json_key = key;
  edge.identity.provider = "azure";
  edge.identity.principal = kClientId;
  edge.identity.mechanism = sp::IdentityMechanism::kAzureWorkloadIdentity;
  edge.identity.kubernetes_namespace = "shop";
  edge.identity.service_account = "orders-api";
  return edge;
}

bool is_token_request(const sp::http::Request& request) {
  return request.url.find("/_azure/login/") != std::string::npos;
}

// Returns a Key Vault token for the token endpoint and passes other calls to `vault`.
FakeTransport::Handler azure(std::function<sp::http::Response(const sp::http::Request&)> vault) {
  return [vault](const sp::http::Request& request) {
    if (is_token_request(request)) return respond(200, R"({"token_type":"Bearer","access_token":"kv-token-123"})");
    return vault(request);
  };
}

std::string keyvault_error(const std::string& code, const std::string& message, const std::string& inner = "") {
  std::string body = "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\"";
  if (!inner.empty()) body += ",\"innererror\":{\"code\":\"" + inner + "\"}";
  return body + "}}";
}

std::string entra_error(long code, const std::string& error) {
  return "{\"error\":\"" + error + "\",\"error_description\":\"AADSTS" + std::to_string(code) +
         ": failure. Trace ID: 1\",\"error_codes\":[" + std::to_string(code) + "]}";
}

sp::auth::RetryPolicy recording(std::vector<double>& waits) {
  sp::auth::RetryPolicy retry;
  retry.random = [] { return 0.0; };
  retry.sleep = [&waits](std::chrono::duration<double> wait) { waits.push_back(wait.count()); };
  return retry;
}

sp::probe::AzureFixContext fix_context() {
  sp::probe::AzureFixContext context;
  context.client_id = kClientId;
  context.tenant = kTenant;
  context.secret = *sp::auth::parse_keyvault_secret_id(kSecretUrl);
  return context;
}

}  // namespace

TEST_CASE("azure probe ok without leaking value") {
  AzureEnv env;
  auto cfg = config();
  FakeTransport transport(azure([](const sp::http::Request&) {
    return respond(200, R"({"value":"{\"password\":\")" + kCanary +
                            R"(\"}","id":"https://shop-kv.vault.azure.net/secrets/db-password/4387","attributes":{"enabled":true}})");
  }));
  auto results = sp::probe::probe_edges({azure_edge(kSecretUrl, "password"), azure_edge(kSecretUrl, "user"),
                                         azure_edge(kSecretUrl)},
                                        options(cfg), transport);
  REQUIRE(results.size() == 3);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[1].verdict == Verdict::kKeyMissing);
  CHECK(results[2].verdict == Verdict::kOk);
  for (const auto& result : results) {
    CHECK(result.message.find(kCanary) == std::string::npos);
    CHECK(result.fix.find(kCanary) == std::string::npos);
    CHECK(result.message.find(kCiToken) == std::string::npos);
  }
  CHECK_FALSE(sp::redaction::contains_registered(kCanary));

  int token_requests = 0;
  for (const auto& request : transport.requests()) {
    CHECK(request.url.starts_with("https://127.0.0.1:9/"));
    if (is_token_request(request)) {
      ++token_requests;
      CHECK(request.url == "https://127.0.0.1:9/_azure/login/" + kTenant + "/oauth2/v2.0/token");
      continue;
    }
    CHECK(request.method == "GET");
    CHECK(request.url == kVaultBase + "/secrets/db-password?api-version=7.4");
    CHECK(sp::testing::header_of(request, "Authorization") == "Bearer kv-token-123");
  }
  CHECK(token_requests == 1);
}

TEST_CASE("azure probe value not json") {
  AzureEnv env;
  auto cfg = config();
  FakeTransport transport(azure([](const sp::http::Request&) { return respond(200, R"({"value":")" + kCanary + "\"}"); }));
  auto results = sp::probe::probe_edges({azure_edge(kSecretUrl, "password")}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kKeyMissing);
  CHECK(results[0].message.find("not JSON") != std::string::npos);
  CHECK(results[0].message.find(kCanary) == std::string::npos);
}

TEST_CASE("azure probe bundle without value") {
  AzureEnv env;
  auto cfg = config();
  FakeTransport transport(azure([](const sp::http::Request&) { return respond(200, R"({"id":"x"})"); }));
  auto results = sp::probe::probe_edges({azure_edge()}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kInconclusive);
}

TEST_CASE("azure probe versioned secret url") {
  AzureEnv env;
  auto cfg = config();
  FakeTransport transport(azure([](const sp::http::Request&) { return respond(200, R"({"value":"x"})"); }));
  auto edge = azure_edge(kSecretUrl);
  edge.secret.version_id = "4387e9f3d6e14c459867679a90fd0f79";
  auto results = sp::probe::probe_edges({edge}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kOk);
  auto requests = transport.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].url == kVaultBase + "/secrets/db-password/4387e9f3d6e14c459867679a90fd0f79?api-version=7.4");
}

TEST_CASE("keyvault error classification table") {
  const std::string rbac_message =
      "Caller is not authorized to perform action on resource.\\r\\nCaller: appid=" + kClientId + ";oid=" + kObjectId +
      ";iss=https://sts.windows.net/" + kTenant +
      "/\\r\\nResource: '/subscriptions/s1/resourcegroups/rg/providers/microsoft.keyvault/vaults/shop-kv/secrets/"
      "db-password'\\r\\nAssignment: (not found)";
  const std::string policy_message = "The user, group or application 'appid=" + kClientId + ";oid=" + kObjectId +
                                     ";iss=https://sts.windows.net/" + kTenant +
                                     "/' does not have secrets get permission on key vault 'shop-kv;location=westeurope'.";
  struct Case {
    int status;
    std::string body;
    Verdict verdict;
    Layer layer;
    std::string fix_part;
  };
  const std::vector<Case> cases = {
      {403, keyvault_error("Forbidden", rbac_message, "ForbiddenByRbac"), Verdict::kDenied, Layer::kRbacRoleAssignment,
       "Key Vault Secrets User"},
      {403, keyvault_error("Forbidden", policy_message, "AccessDenied"), Verdict::kDenied, Layer::kAccessPolicy,
       "--object-id " + kObjectId},
      {403, keyvault_error("Forbidden", policy_message), Verdict::kDenied, Layer::kAccessPolicy, "secrets get"},
      {403, keyvault_error("Forbidden", "The policy requires the caller to use on-behalf-of (OBO) flow.",
                           "ForbiddenByPolicy"),
       Verdict::kDenied, Layer::kAccessPolicy, "compound identity"},
      {403, keyvault_error("Forbidden", "Client address is not authorized and caller is not a trusted service.",
                           "ForbiddenByFirewall"),
       Verdict::kDenied, Layer::kNetwork, "network"},
      {403, keyvault_error("Forbidden", "Public network access is disabled.", "ForbiddenByConnection"),
       Verdict::kDenied, Layer::kNetwork, "network"},
      {403, keyvault_error("Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled"),
       Verdict::kDisabled, Layer::kNone, "--enabled true"},
      {403, keyvault_error("Forbidden", "Something else."), Verdict::kDenied, Layer::kUnknown, "If it uses access policies"},
      {404, keyvault_error("SecretNotFound", "A secret with (name/id) db-password was not found in this key vault."),
       Verdict::kNotFound, Layer::kNone, "Create secret db-password"},
      {401, keyvault_error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."),
       Verdict::kIdentityUnavailable, Layer::kUnknown, "Rerun"},
      {429, keyvault_error("Throttled", "Too many requests."), Verdict::kInconclusive, Layer::kNone, "Rerun"},
      {500, "", Verdict::kInconclusive, Layer::kNone, "Rerun"},
      {0, "", Verdict::kInconclusive, Layer::kNone, "Rerun"},
      {400, keyvault_error("BadParameter", "Invalid."), Verdict::kInconclusive, Layer::kNone, "no rule"},
  };
  for (const auto& c : cases) {
    INFO("HTTP " << c.status << " " << c.body);
    auto response = respond(c.status, c.body);
    if (c.status == 0) response.transport_error = "Connection reset by peer";
    auto error = sp::auth::parse_keyvault_error(response);
    auto result = sp::probe::classify_keyvault_error(error, sp::auth::keyvault_inner_code(c.body), "", fix_context(),
                                                     false);
    CHECK(result.verdict == c.verdict);
    CHECK(result.layer == c.layer);
    CHECK(result.fix.find(c.fix_part) != std::string::npos);
  }
}

TEST_CASE("keyvault rbac fix names the resource") {
  auto error = sp::auth::parse_keyvault_error(respond(
      403, keyvault_error("Forbidden", "Caller: appid=x;oid=y\\r\\nResource: '/subscriptions/s1/vaults/shop-kv'",
                          "ForbiddenByRbac")));
  auto result = sp::probe::classify_keyvault_error(error, "ForbiddenByRbac", "", fix_context(), false);
  CHECK(result.fix.find("--scope /subscriptions/s1/vaults/shop-kv") != std::string::npos);
  CHECK(result.fix.find("Owner and Contributor grant no data-plane read") != std::string::npos);
}

TEST_CASE("keyvault challenge names other tenant") {
  auto error = sp::auth::parse_keyvault_error(respond(401, keyvault_error("Unauthorized", "AKV10022: Invalid audience.")));
  auto result = sp::probe::classify_keyvault_error(
      error, "", R"(Bearer authorization="https://login.microsoftonline.com/other-tenant", resource="https://vault.azure.net")",
      fix_context(), false);
  CHECK(result.verdict == Verdict::kIdentityUnavailable);
  CHECK(result.fix.find("tenant other-tenant") != std::string::npos);
}

TEST_CASE("keyvault caller fields") {
  const std::string message = "The user 'appid=app-1;oid=obj-2;iss=https://sts.windows.net/t/' does not";
  CHECK(sp::probe::caller_field(message, "oid") == "obj-2");
  CHECK(sp::probe::caller_field(message, "appid") == "app-1");
  CHECK(sp::probe::caller_field("no caller here", "oid").empty());
  CHECK(sp::probe::challenge_tenant(R"(Bearer authorization="https://login.windows.net/t-1", resource="x")") == "t-1");
  CHECK(sp::probe::challenge_tenant("Bearer realm=\"\"").empty());
}

TEST_CASE("entra error mapping table") {
  struct Case {
    long code;
    Verdict verdict;
    Layer layer;
    std::string fix_part;
  };
  const std::vector<Case> cases = {
      {70021, Verdict::kIdentityUnavailable, Layer::kTrustPolicy, "--subject repo:octo/shop:environment:preflight"},
      {700211, Verdict::kIdentityUnavailable, Layer::kTrustPolicy, "--issuer https://token.actions.githubusercontent.com"},
      {700212, Verdict::kIdentityUnavailable, Layer::kTrustPolicy, "--audiences api://AzureADTokenExchange"},
      {700213, Verdict::kIdentityUnavailable, Layer::kTrustPolicy, "az identity federated-credential create"},
      {7002138, Verdict::kIdentityUnavailable, Layer::kTrustPolicy, "case-sensitive"},
      {700016, Verdict::kIdentityUnavailable, Layer::kUnknown, "azure.workload.identity/client-id"},
      {90002, Verdict::kIdentityUnavailable, Layer::kUnknown, "tenant " + kTenant},
      {50027, Verdict::kIdentityUnavailable, Layer::kUnknown, "malformed"},
      {700024, Verdict::kInconclusive, Layer::kNone, "clock"},
  };
  for (const auto& c : cases) {
    INFO("AADSTS" << c.code);
    AzureEnv env;
    auto cfg = config();
    FakeTransport transport([&](const sp::http::Request& request) {
      if (is_token_request(request)) return respond(400, entra_error(c.code, "invalid_client"));
      return respond(200, R"({"value":"x"})");
    });
    auto results = sp::probe::probe_edges({azure_edge()}, options(cfg), transport);
    CHECK(results[0].verdict == c.verdict);
    CHECK(results[0].layer == c.layer);
    CHECK(results[0].fix.find(c.fix_part) != std::string::npos);
    CHECK(results[0].fix.find(kCiToken) == std::string::npos);
    CHECK(results[0].message.find(kCiToken) == std::string::npos);
    // No Key Vault request is made without a token.
    CHECK(transport.requests().size() == 1);
  }
}

TEST_CASE("entra server errors inconclusive") {
  AzureEnv env;
  auto cfg = config();
  FakeTransport transport([](const sp::http::Request&) { return respond(503, ""); });
  auto results = sp::probe::probe_edges({azure_edge()}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kInconclusive);
  CHECK(transport.requests().size() == 3);
}

TEST_CASE("keyvault throttling honours retry after") {
  AzureEnv env;
  int calls = 0;
  FakeTransport transport([&](const sp::http::Request&) {
    ++calls;
    return respond(429, keyvault_error("Throttled", "Too many requests."), {{"retry-after", "7"}});
  });
  std::vector<double> waits;
  sp::SensitiveString token("kv-token-123");
  sp::probe::AzureCall call{transport, token, recording(waits)};
  std::optional<sp::ProviderError> error;
  auto result = sp::probe::get_keyvault_secret(fix_context(), "", call, error);
  CHECK(result.verdict == Verdict::kInconclusive);
  CHECK(calls == 3);
  REQUIRE(waits.size() == 2);
  CHECK(waits[0] == Approx(7.0));
  CHECK(waits[1] == Approx(7.0));
  REQUIRE(error);
  CHECK(error->http_status == 429);
}

TEST_CASE("keyvault server errors retried then ok") {
  AzureEnv env;
  int calls = 0;
  FakeTransport transport([&](const sp::http::Request&) {
    if (++calls == 1) return respond(503, "");
    return respond(200, R"({"value":"x"})");
  });
  std::vector<double> waits;
  sp::SensitiveString token("kv-token-123");
  sp::probe::AzureCall call{transport, token, recording(waits)};
  std::optional<sp::ProviderError> error;
  CHECK(sp::probe::get_keyvault_secret(fix_context(), "", call, error).verdict == Verdict::kOk);
  CHECK(calls == 2);
}

TEST_CASE("azure probe discovers tenant from challenge") {
  AzureEnv env;
  auto cfg = config("");
  FakeTransport transport([](const sp::http::Request& request) {
    if (is_token_request(request)) return respond(200, R"({"access_token":"kv-token-123"})");
    if (sp::testing::header_of(request, "Authorization").empty())
      return respond(401, keyvault_error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."),
                     {{"www-authenticate",
                       R"(Bearer authorization="https://login.microsoftonline.com/)" + kTenant +
                           R"(", resource="https://vault.azure.net")"}});
    return respond(200, R"({"value":"x"})");
  });
  auto results = sp::probe::probe_edges({azure_edge(), azure_edge()}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[1].verdict == Verdict::kOk);
  int challenges = 0;
  for (const auto& request : transport.requests()) {
    if (!is_token_request(request) && sp::testing::header_of(request, "Authorization").empty()) ++challenges;
    if (is_token_request(request))
      CHECK(request.url == "https://127.0.0.1:9/_azure/login/" + kTenant + "/oauth2/v2.0/token");
  }
  CHECK(challenges == 1);
}

TEST_CASE("azure probe without tenant unresolved") {
  AzureEnv env;
  auto cfg = config("");
  FakeTransport transport([](const sp::http::Request&) { return respond(404, ""); });
  auto results = sp::probe::probe_edges({azure_edge()}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kUnresolved);
  CHECK(results[0].fix.find("azure.tenant_id") != std::string::npos);
}

TEST_CASE("azure probe rejects non vault id") {
  AzureEnv env;
  auto cfg = config();
  FakeTransport transport([](const sp::http::Request&) { return respond(500, ""); });
  auto results = sp::probe::probe_edges({azure_edge("db-password")}, options(cfg), transport);
  CHECK(results[0].verdict == Verdict::kUnresolved);
  CHECK(transport.requests().empty());
}

TEST_CASE("federated credential matching") {
  const std::string issuer = "https://oidc.example/aks";
  const std::string subject = "system:serviceaccount:shop:orders-api";
  const std::string identity = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
                               "userAssignedIdentities/orders";
  auto credential = [](const std::string& iss, const std::string& sub, const std::string& aud) {
    return "{\"name\":\"c\",\"properties\":{\"issuer\":\"" + iss + "\",\"subject\":\"" + sub +
           "\",\"audiences\":[\"" + aud + "\"]}}";
  };
  using Outcome = sp::probe::FederatedCredentialCheck::Outcome;
  auto admitted = sp::probe::match_federated_credentials(
      "{\"value\":[" + credential(issuer, subject, "api://AzureADTokenExchange") + "]}", identity, issuer, subject);
  CHECK(admitted.outcome == Outcome::kAdmitted);
  auto wrong_subject = sp::probe::match_federated_credentials(
      "{\"value\":[" + credential(issuer, "system:serviceaccount:shop:Orders-api", "api://AzureADTokenExchange") + "]}",
      identity, issuer, subject);
  CHECK(wrong_subject.outcome == Outcome::kNotAdmitted);
  CHECK(wrong_subject.fix.find("--subject " + subject) != std::string::npos);
  CHECK(wrong_subject.fix.find("--identity-name orders") != std::string::npos);
  auto wrong_audience = sp::probe::match_federated_credentials(
      "{\"value\":[" + credential(issuer, subject, "api://other") + "]}", identity, issuer, subject);
  CHECK(wrong_audience.outcome == Outcome::kNotAdmitted);
  auto not_json = sp::probe::match_federated_credentials("oops", identity, issuer, subject);
  CHECK(not_json.outcome == Outcome::kNotChecked);
}

TEST_CASE("federated credential list request") {
  AzureEnv env;
  FakeTransport transport([](const sp::http::Request&) { return respond(200, R"({"value":[]})"); });
  sp::SensitiveString token("arm-token-456");
  std::vector<double> waits;
  sp::probe::AzureCall call{transport, token, recording(waits)};
  auto check = sp::probe::check_federated_credentials(*sp::auth::azure_cloud("AzurePublicCloud"), "/subscriptions/s1/x",
                                                      "https://issuer", "system:serviceaccount:a:b", call);
  CHECK(check.outcome == sp::probe::FederatedCredentialCheck::Outcome::kNotAdmitted);
  auto requests = transport.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].url ==
        "https://127.0.0.1:9/_azure/management/subscriptions/s1/x/federatedIdentityCredentials?api-version=2023-01-31");
  CHECK(sp::testing::header_of(requests[0], "Authorization") == "Bearer arm-token-456");
}

// One federatedIdentityCredentials entry in Resource Manager's list shape.
std::string credential_entry(const std::string& issuer, const std::string& subject) {
  return R"({"name":"c","properties":{"issuer":")" + issuer + R"(","subject":")" + subject +
         R"(","audiences":["api://AzureADTokenExchange"]}})";
}

TEST_CASE("federated credential list follows nextLink") {
  AzureEnv env;
  const std::string base = "https://127.0.0.1:9/_azure/management/subscriptions/s1/x/"
                           "federatedIdentityCredentials?api-version=2023-01-31";
  const std::string issuer = "https://issuer";
  const std::string subject = "system:serviceaccount:a:b";
  FakeTransport transport([&](const sp::http::Request& request) {
    if (request.url == base)
      return respond(200, "{\"value\":[" + credential_entry(issuer, "system:serviceaccount:a:other") +
                              "],\"nextLink\":\"" + base + "&$skiptoken=2\"}");
    return respond(200, "{\"value\":[" + credential_entry(issuer, subject) + "]}");
  });
  sp::SensitiveString token("arm-token-456");
  std::vector<double> waits;
  sp::probe::AzureCall call{transport, token, recording(waits)};
  auto check = sp::probe::check_federated_credentials(*sp::auth::azure_cloud("AzurePublicCloud"),
                                                      "/subscriptions/s1/x", issuer, subject, call);
  CHECK(check.outcome == sp::probe::FederatedCredentialCheck::Outcome::kAdmitted);
  REQUIRE(transport.requests().size() == 2);
  CHECK(transport.requests()[1].url == base + "&$skiptoken=2");
}

TEST_CASE("federated credential nextLink to another host is not followed") {
  AzureEnv env;
  FakeTransport transport([](const sp::http::Request&) {
    return respond(200, R"({"value":[],"nextLink":"https://attacker.example/next"})");
  });
  sp::SensitiveString token("arm-token-456");
  std::vector<double> waits;
  sp::probe::AzureCall call{transport, token, recording(waits)};
  auto check = sp::probe::check_federated_credentials(*sp::auth::azure_cloud("AzurePublicCloud"),
                                                      "/subscriptions/s1/x", "https://issuer",
                                                      "system:serviceaccount:a:b", call);
  CHECK(check.outcome == sp::probe::FederatedCredentialCheck::Outcome::kNotChecked);
  CHECK(transport.requests().size() == 1);
}
