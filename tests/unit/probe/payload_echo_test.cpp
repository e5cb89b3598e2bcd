// Each provider's key check gets secret payloads that are not JSON, lack the
// key, are huge or hold control characters. No message, fix, note or provider
// error may quote them, and none may become ok.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "../auth/fake_transport.h"
#include "probe/prober.h"
#include "probe/secret_probe.h"
#include "util/json.h"

using sp::Verdict;
using sp::testing::FakeTransport;
using sp::testing::respond;

namespace {

struct HostilePayload {
  const char* name;
  std::string value;
  /// The canary inside `value`; no output may contain it.
  std::string canary;
};

std::vector<HostilePayload> hostile_payloads() {
  const std::string huge(1 << 20, 'A');
  return {
      {"truncated JSON", R"({"password": "CANARY-echo-truncated)", "CANARY-echo-truncated"},
      {"JSON without the key", R"({"user": "CANARY-echo-other-key"})", "CANARY-echo-other-key"},
      {"JSON array", R"(["CANARY-echo-array"])", "CANARY-echo-array"},
      {"plain text", "CANARY-echo-plain not json", "CANARY-echo-plain"},
      {"huge JSON without the key", R"({"blob": ")" + huge + R"(CANARY-echo-huge-json"})",
       "CANARY-echo-huge-json"},
      {"huge text", huge + "CANARY-echo-huge-text", "CANARY-echo-huge-text"},
      {"raw control characters in a JSON string",
       "{\"password\": \"CANARY-echo-controls\n\x1b[31m::add-mask::x\r\"}", "CANARY-echo-controls"},
      {"control characters outside JSON", "\x01\x02CANARY-echo-binary\n##[error]x", "CANARY-echo-binary"},
      {"invalid UTF-8", "{\"password\": \"\xff\xfe" "CANARY-echo-utf8\"", "CANARY-echo-utf8"},
  };
}

std::string base64(const std::string& data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Fails the test when any text of `result` contains `canary`.
void check_no_echo(const sp::EdgeResult& result, const std::string& canary) {
  INFO("message: " << result.message.substr(0, 300));
  CHECK(result.message.find(canary) == std::string::npos);
  CHECK(result.fix.find(canary) == std::string::npos);
  CHECK(result.operator_note.find(canary) == std::string::npos);
  if (result.provider_error) {
    CHECK(result.provider_error->message.find(canary) == std::string::npos);
    CHECK(result.provider_error->code.find(canary) == std::string::npos);
  }
}

void set_common_environment() {
  setenv("CI_TOKEN_FOR_ECHO", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIn0.sig", 1);
  setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:9/aws", 1);
  setenv("AWS_REGION", "us-east-1", 1);
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("AWS_SESSION_TOKEN");
}

sp::probe::ProbeOptions probe_options(const sp::config::Config* config = nullptr) {
  sp::probe::ProbeOptions options;
  options.token_env = "CI_TOKEN_FOR_ECHO";
  options.base_delay_seconds = 0;
  options.run_id = "7";
  options.config = config;
  return options;
}

sp::PermissionEdge aws_edge(const std::string& operation, const std::string& service, const std::string& id) {
  sp::PermissionEdge edge;
  edge.operation = operation;
  edge.secret.service = service;
  edge.secret.id = id;
  edge.secret.region = "us-east-1";
  edge.secret.json_key = "password";
  edge.identity.principal = "arn:aws:iam::111122223333:role/shop-api-exec";
  return edge;
}

// STS gets credentials; Secrets Manager and SSM get `value` in their own shape.
FakeTransport::Handler aws_cloud(const std::string& value) {
  return [value](const sp::http::Request& request) {
    std::string target = sp::testing::header_of(request, "X-Amz-Target");
    if (target.empty())
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIAECHO",
                                                           "echo-secret-key", "echo-session-token"));
    if (target == "secretsmanager.GetSecretValue")
      return respond(200, "{\"Name\":\"shop/db\",\"SecretString\":" + sp::json::quote(value) + "}");
    return respond(200, "{\"InvalidParameters\":[],\"Parameters\":[{\"Name\":\"/shop/db\",\"Value\":" +
                            sp::json::quote(value) + "}]}");
  };
}

sp::config::Config google_config() {
  sp::config::Config config;
  config.gcp.workload_identity_provider =
      "projects/123456789/locations/global/workloadIdentityPools/gh/providers/gh-prov";
  config.gcp.default_project = "shop-prod";
  return config;
}

sp::PermissionEdge google_edge() {
  sp::PermissionEdge edge;
  edge.operation = "secretmanager.versions.access";
  edge.secret.provider = "gcp";
  edge.secret.service = "secretmanager";
  edge.secret.id = "db";
  edge.secret.json_key = "password";
  edge.identity.provider = "gcp";
  edge.identity.principal = "api@shop-prod.iam.gserviceaccount.com";
  edge.identity.mechanism = sp::IdentityMechanism::kCloudRunServiceAccount;
  return edge;
}

FakeTransport::Handler google_cloud(const std::string& secret_manager_body) {
  return [secret_manager_body](const sp::http::Request& request) {
    if (request.url.find("/STS/v1/token") != std::string::npos)
      return respond(200, R"({"access_token":"federated-token-echo"})");
    if (request.url.find("/IAMCREDENTIALS/") != std::string::npos)
      return respond(200, R"({"accessToken":"ya29.echo-token"})");
    return respond(200, secret_manager_body);
  };
}

struct GoogleEnvironment {
  GoogleEnvironment() {
    for (const char* api : {"STS", "IAMCREDENTIALS", "IAM", "SECRETMANAGER", "POLICYTROUBLESHOOTER"})
      setenv((std::string("CLOUDSDK_API_ENDPOINT_OVERRIDES_") + api).c_str(),
             (std::string("https://127.0.0.1:9/") + api + "/").c_str(), 1);
  }
};

sp::config::Config azure_config() {
  sp::config::Config config;
  config.azure.tenant_id = "11111111-2222-3333-4444-555555555555";
  return config;
}

sp::PermissionEdge azure_edge() {
  sp::PermissionEdge edge;
  edge.operation = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
  edge.secret.provider = "azure";
  edge.secret.service = "keyvault";
  edge.secret.id = "https://shop-kv.vault.azure.net/secrets/db-password";
  edge.secret.json_key = "password";
  edge.identity.provider = "azure";
  edge.identity.principal = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
  edge.identity.mechanism = sp::IdentityMechanism::kAzureWorkloadIdentity;
  edge.identity.kubernetes_namespace = "shop";
  edge.identity.service_account = "orders-api";
  return edge;
}

FakeTransport::Handler azure_cloud(const std::string& keyvault_body) {
  return [keyvault_body](const sp::http::Request& request) {
    if (request.url.find("/_azure/login/") != std::string::npos)
      return respond(200, R"({"token_type":"Bearer","access_token":"kv-token-echo"})");
    return respond(200, keyvault_body);
  };
}

struct AzureEnvironment {
  AzureEnvironment() {
    setenv("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9/_azure/login/", 1);
    setenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE", "https://127.0.0.1:9/_azure/keyvault/{vault}", 1);
    setenv("SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL", "https://127.0.0.1:9/_azure/management/", 1);
  }
  ~AzureEnvironment() {
    unsetenv("AZURE_AUTHORITY_HOST");
    unsetenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE");
    unsetenv("SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL");
  }
};

}  // namespace

TEST_CASE("key check never echoes the payload", "[probe]") {
  for (const HostilePayload& payload : hostile_payloads()) {
    INFO(payload.name);
    std::string value = payload.value;
    sp::probe::KeyCheck check = sp::probe::check_json_key(value, "password");
    CHECK(check != sp::probe::KeyCheck::kPresent);
    CHECK(value.empty());
    std::string message = sp::probe::key_missing_message("read of shop/db", "value", check, "password");
    CHECK(message.find(payload.canary) == std::string::npos);
  }
}

TEST_CASE("JSON parse error names only code and offset", "[probe]") {
  for (const HostilePayload& payload : hostile_payloads()) {
    INFO(payload.name);
    rapidjson::Document document;
    document.Parse(payload.value.data(), payload.value.size());
    if (!document.HasParseError()) continue;
    std::string description = sp::json::describe_parse_error(document);
    CHECK(description.find(payload.canary) == std::string::npos);
    CHECK(description.find(" (offset " + std::to_string(document.GetErrorOffset()) + ")") != std::string::npos);
    CHECK(description.size() < 120);
  }
}

TEST_CASE("AWS probes never echo the payload", "[probe]") {
  set_common_environment();
  for (const HostilePayload& payload : hostile_payloads()) {
    INFO(payload.name);
    FakeTransport transport(aws_cloud(payload.value));
    auto edges = {aws_edge("secretsmanager:GetSecretValue", "secretsmanager", "shop/db"),
                  aws_edge("ssm:GetParameters", "ssm", "/shop/db")};
    auto results = sp::probe::probe_edges(edges, probe_options(), transport);
    REQUIRE(results.size() == 2);
    for (const auto& result : results) {
      CHECK(result.verdict == Verdict::kKeyMissing);
      check_no_echo(result, payload.canary);
    }
  }
}

TEST_CASE("AWS malformed response is not echoed", "[probe]") {
  set_common_environment();
  const std::string canary = "CANARY-echo-response";
  FakeTransport transport([&](const sp::http::Request& request) {
    if (sp::testing::header_of(request, "X-Amz-Target").empty())
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIAECHO",
                                                           "echo-secret-key", "echo-session-token"));
    return respond(200, "{\"SecretString\":\"" + canary);
  });
  auto results = sp::probe::probe_edges({aws_edge("secretsmanager:GetSecretValue", "secretsmanager", "shop/db"),
                                         aws_edge("ssm:GetParameters", "ssm", "/shop/db")},
                                        probe_options(), transport);
  REQUIRE(results.size() == 2);
  for (const auto& result : results) {
    CHECK(result.verdict != Verdict::kOk);
    check_no_echo(result, canary);
  }
}

TEST_CASE("Google probe never echoes the payload", "[probe]") {
  set_common_environment();
  GoogleEnvironment environment;
  auto config = google_config();
  for (const HostilePayload& payload : hostile_payloads()) {
    INFO(payload.name);
    FakeTransport transport(google_cloud(R"({"payload":{"data":")" + base64(payload.value) + R"("}})"));
    auto results = sp::probe::probe_edges({google_edge()}, probe_options(&config), transport);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::kKeyMissing);
    check_no_echo(results[0], payload.canary);
  }
  SECTION("malformed response") {
    FakeTransport transport(google_cloud(R"({"payload":{"data":"CANARY-echo-google-response)"));
    auto results = sp::probe::probe_edges({google_edge()}, probe_options(&config), transport);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict != Verdict::kOk);
    check_no_echo(results[0], "CANARY-echo-google-response");
  }
}

TEST_CASE("Azure probe never echoes the payload", "[probe]") {
  set_common_environment();
  AzureEnvironment environment;
  auto config = azure_config();
  for (const HostilePayload& payload : hostile_payloads()) {
    INFO(payload.name);
    FakeTransport transport(azure_cloud("{\"value\":" + sp::json::quote(payload.value) + "}"));
    auto results = sp::probe::probe_edges({azure_edge()}, probe_options(&config), transport);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == Verdict::kKeyMissing);
    check_no_echo(results[0], payload.canary);
  }
  SECTION("malformed response") {
    FakeTransport transport(azure_cloud(R"({"value":"CANARY-echo-azure-response)"));
    auto results = sp::probe::probe_edges({azure_edge()}, probe_options(&config), transport);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict != Verdict::kOk);
    check_no_echo(results[0], "CANARY-echo-azure-response");
  }
}
