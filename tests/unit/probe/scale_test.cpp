// Probe runs over many edges: one exchange per identity and per chain hop,
// one read per (identity, secret) shared by edges with different JSON keys,
// and the scheduler's order and per-provider bounds.
#include <catch2/catch.hpp>
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "../auth/fake_transport.h"
#include "probe/edge_scheduler.h"
#include "probe/prober.h"
#include "probe/shared_reads.h"
#include "util/redaction.h"

using sp::Verdict;
using sp::testing::FakeTransport;
using sp::testing::form_param;
using sp::testing::header_of;
using sp::testing::respond;

namespace {

const std::string kCanary = "canary-value-5d81e";
const std::string kAccount = "111122223333";
// Payload {"iss":"https://token.actions.githubusercontent.com",
// "sub":"repo:octo/shop:environment:preflight","aud":"api://AzureADTokenExchange","repository":"octo/shop"}.
const std::string kCiToken =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwic3ViIjoicmVwbzpvY3RvL3Nob3A6ZW52aXJv"
    "bm1lbnQ6cHJlZmxpZ2h0IiwiYXVkIjoiYXBpOi8vQXp1cmVBRFRva2VuRXhjaGFuZ2UiLCJyZXBvc2l0b3J5Ijoib2N0by9zaG9wIn0.sig";

struct Env {
  Env() {
    setenv("SCALE_CI_TOKEN", kCiToken.c_str(), 1);
    setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:9/aws", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AZURE_AUTHORITY_HOST", "https://127.0.0.1:9/_azure/login/", 1);
    setenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE", "https://127.0.0.1:9/_azure/keyvault/{vault}", 1);
    for (const char* api : {"STS", "IAMCREDENTIALS", "IAM", "SECRETMANAGER", "POLICYTROUBLESHOOTER"})
      setenv((std::string("CLOUDSDK_API_ENDPOINT_OVERRIDES_") + api).c_str(),
             (std::string("https://127.0.0.1:9/") + api + "/").c_str(), 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
  }
  ~Env() {
    unsetenv("AZURE_AUTHORITY_HOST");
    unsetenv("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE");
  }
};

std::string role(int index) { return "arn:aws:iam::" + kAccount + ":role/exec-" + std::to_string(index); }

sp::PermissionEdge aws_edge(const std::string& principal, const std::string& secret, const std::string& key = "",
                            const std::string& file = "deploy/a.json", int line = 1) {
  sp::PermissionEdge edge;
  edge.operation = "secretsmanager:GetSecretValue";
  edge.secret.service = "secretsmanager";
  edge.secret.id = secret;
  edge.secret.region = "us-east-1";
  edge.secret.json_key = key;
  edge.identity.principal = principal;
  edge.reference.location = {file, line, 7};
  return edge;
}

sp::PermissionEdge google_edge(const std::string& secret, const std::string& key = "") {
  sp::PermissionEdge edge;
  edge.operation = "secretmanager.versions.access";
  edge.secret.provider = "gcp";
  edge.secret.service = "secretmanager";
  edge.secret.id = secret;
  edge.secret.json_key = key;
  edge.identity.provider = "gcp";
  edge.identity.principal = "api@shop-prod.iam.gserviceaccount.com";
  edge.identity.mechanism = sp::IdentityMechanism::kCloudRunServiceAccount;
  return edge;
}

sp::PermissionEdge azure_edge(const std::string& key = "") {
  sp::PermissionEdge edge;
  edge.operation = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
  edge.secret.provider = "azure";
  edge.secret.service = "keyvault";
  edge.secret.id = "https://shop-kv.vault.azure.net/secrets/db";
  edge.secret.json_key = key;
  edge.identity.provider = "azure";
  edge.identity.principal = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
  edge.identity.tenant_id = "11111111-2222-3333-4444-555555555555";
  edge.identity.mechanism = sp::IdentityMechanism::kAzureWorkloadIdentity;
  return edge;
}

sp::probe::ProbeOptions options(const sp::config::Config* config = nullptr, int concurrency = 8) {
  sp::probe::ProbeOptions options;
  options.token_env = "SCALE_CI_TOKEN";
  options.base_delay_seconds = 0.001;
  options.run_id = "7";
  options.concurrency = concurrency;
  options.config = config;
  return options;
}

bool is_sts(const sp::http::Request& request) {
  return header_of(request, "X-Amz-Target").empty() && request.url.find("/aws") != std::string::npos;
}

// STS returns credentials after `sts_delay`. GetSecretValue returns a JSON
// secret with the keys "password" and "user" after `read_delay`.
FakeTransport::Handler aws_cloud(std::chrono::milliseconds sts_delay = std::chrono::milliseconds(0),
                                 std::chrono::milliseconds read_delay = std::chrono::milliseconds(0)) {
  return [=](const sp::http::Request& request) {
    if (is_sts(request)) {
      std::this_thread::sleep_for(sts_delay);
      std::string action = form_param(request.body, "Action");
      return respond(200, sp::testing::sts_credentials_xml(action, "ASIARUN", "run-secret-key", "run-token"));
    }
    std::this_thread::sleep_for(read_delay);
    return respond(200, R"({"Name":"s","SecretString":"{\"password\":\")" + kCanary + R"(\",\"user\":\"app\"}"})");
  };
}

std::map<std::string, int> count_sts(FakeTransport& transport) {
  std::map<std::string, int> counts;
  for (const auto& request : transport.requests())
    if (is_sts(request))
      ++counts[form_param(request.body, "Action") + " " + form_param(request.body, "RoleArn")];
  return counts;
}

int count_target(FakeTransport& transport, const std::string& target) {
  int count = 0;
  for (const auto& request : transport.requests())
    if (header_of(request, "X-Amz-Target") == target) ++count;
  return count;
}

}  // namespace

TEST_CASE("concurrent edges share one exchange per identity", "[probe][scale]") {
  Env env;
  // A slow STS keeps every worker's first exchange in flight at once.
  FakeTransport transport(aws_cloud(std::chrono::milliseconds(30)));
  std::vector<sp::PermissionEdge> edges;
  for (int i = 0; i < 60; ++i) edges.push_back(aws_edge(role(i % 6), "app/secret-" + std::to_string(i)));
  auto results = sp::probe::probe_edges(edges, options(nullptr, 16), transport);
  REQUIRE(results.size() == 60);
  for (const auto& result : results) CHECK(result.verdict == Verdict::kOk);
  auto exchanges = count_sts(transport);
  CHECK(exchanges.size() == 6);
  for (int i = 0; i < 6; ++i) CHECK(exchanges["AssumeRoleWithWebIdentity " + role(i)] == 1);
  CHECK(count_target(transport, "secretsmanager.GetSecretValue") == 60);
}

TEST_CASE("role chains exchange once per hop", "[probe][scale]") {
  Env env;
  FakeTransport transport(aws_cloud(std::chrono::milliseconds(20)));
  const std::string base = "arn:aws:iam::" + kAccount + ":role/eso-base";
  std::vector<sp::PermissionEdge> edges;
  for (int i = 0; i < 40; ++i) {
    auto edge = aws_edge(role(i % 4), "app/secret-" + std::to_string(i));
    edge.identity.assumed_before = {base};
    edge.identity.mechanism = sp::IdentityMechanism::kControllerIdentity;
    edges.push_back(edge);
  }
  auto results = sp::probe::probe_edges(edges, options(nullptr, 16), transport);
  for (const auto& result : results) CHECK(result.verdict == Verdict::kOk);
  auto exchanges = count_sts(transport);
  CHECK(exchanges.size() == 5);
  CHECK(exchanges["AssumeRoleWithWebIdentity " + base] == 1);
  for (int i = 0; i < 4; ++i) CHECK(exchanges["AssumeRole " + role(i)] == 1);
}

TEST_CASE("identical edges across workloads read once", "[probe][scale]") {
  Env env;
  FakeTransport transport(aws_cloud());
  std::vector<sp::PermissionEdge> edges;
  for (int workload = 0; workload < 5; ++workload)
    edges.push_back(aws_edge(role(1), "shop/db", "password", "deploy/w" + std::to_string(workload) + ".json", 10));
  auto results = sp::probe::probe_edges(edges, options(), transport);
  REQUIRE(results.size() == 5);
  CHECK(count_target(transport, "secretsmanager.GetSecretValue") == 1);
  for (int workload = 0; workload < 5; ++workload) {
    CHECK(results[workload].verdict == Verdict::kOk);
    CHECK(results[workload].edge.reference.location.file == "deploy/w" + std::to_string(workload) + ".json");
  }
}

TEST_CASE("keys of one read get their own verdicts", "[probe][scale]") {
  Env env;
  FakeTransport transport(aws_cloud());
  std::vector<sp::PermissionEdge> edges = {
      aws_edge(role(1), "shop/db", "password", "deploy/a.json", 3), aws_edge(role(1), "shop/db", "nope", "deploy/b.json", 4),
      aws_edge(role(1), "shop/db", "", "deploy/c.json", 5), aws_edge(role(1), "shop/db", "user", "deploy/d.json", 6),
      aws_edge(role(1), "shop/db", "nope", "deploy/e.json", 7)};
  auto results = sp::probe::probe_edges(edges, options(), transport);
  REQUIRE(results.size() == 5);
  CHECK(count_target(transport, "secretsmanager.GetSecretValue") == 1);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[0].message == "secretsmanager:GetSecretValue on secret shop/db as exec-1 returned the value with key "
                              "\"password\"");
  CHECK(results[1].verdict == Verdict::kKeyMissing);
  CHECK(results[1].message == "secretsmanager:GetSecretValue on secret shop/db as exec-1 returned JSON without the "
                              "top-level key \"nope\"");
  CHECK(results[2].verdict == Verdict::kOk);
  CHECK(results[2].message == "secretsmanager:GetSecretValue on secret shop/db as exec-1 returned the value");
  CHECK(results[3].verdict == Verdict::kOk);
  CHECK(results[4].verdict == Verdict::kKeyMissing);
  for (size_t i = 0; i < results.size(); ++i) {
    CHECK(results[i].edge.reference.location.line == static_cast<int>(i) + 3);
    CHECK(results[i].message.find(kCanary) == std::string::npos);
    CHECK(results[i].fix.find(kCanary) == std::string::npos);
  }
  CHECK_FALSE(sp::redaction::contains_registered(kCanary));
}

TEST_CASE("binary secret fails only keyed edges", "[probe][scale]") {
  Env env;
  FakeTransport transport([](const sp::http::Request& request) {
    if (is_sts(request))
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIARUN", "k", "t"));
    return respond(200, R"({"Name":"s","SecretBinary":"AAECAw=="})");
  });
  auto results = sp::probe::probe_edges(
      {aws_edge(role(1), "shop/cert", "pem"), aws_edge(role(1), "shop/cert", "")}, options(), transport);
  CHECK(count_target(transport, "secretsmanager.GetSecretValue") == 1);
  CHECK(results[0].verdict == Verdict::kKeyMissing);
  CHECK(results[1].verdict == Verdict::kOk);
}

TEST_CASE("failed read gives every key its verdict", "[probe][scale]") {
  Env env;
  auto status = GENERATE(as<std::string>{}, "denied", "not-found");
  FakeTransport transport([&](const sp::http::Request& request) {
    if (is_sts(request))
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIARUN", "k", "t"));
    if (status == "denied")
      return respond(400, R"({"__type":"AccessDeniedException","Message":"User: x is not authorized to perform: secretsmanager:GetSecretValue on resource: shop/db because no identity-based policy allows the secretsmanager:GetSecretValue action"})");
    return respond(400, R"({"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."})");
  });
  auto results = sp::probe::probe_edges(
      {aws_edge(role(1), "shop/db", "password"), aws_edge(role(1), "shop/db", "user"), aws_edge(role(1), "shop/db")},
      options(), transport);
  CHECK(count_target(transport, "secretsmanager.GetSecretValue") == 1);
  Verdict expected = status == "denied" ? Verdict::kDenied : Verdict::kNotFound;
  for (const auto& result : results) {
    CHECK(result.verdict == expected);
    REQUIRE(result.provider_error);
    CHECK(result.provider_error->code == (status == "denied" ? "AccessDeniedException" : "ResourceNotFoundException"));
  }
}

TEST_CASE("reads differ by stage, identity and region", "[probe][scale]") {
  Env env;
  FakeTransport transport(aws_cloud());
  auto current = aws_edge(role(1), "shop/db", "password");
  current.secret.version_stage = "AWSCURRENT";
  auto previous = current;
  previous.secret.version_stage = "AWSPREVIOUS";
  auto other_role = current;
  other_role.identity.principal = role(2);
  auto other_region = current;
  other_region.secret.region = "eu-west-1";
  auto results = sp::probe::probe_edges({current, previous, other_role, other_region}, options(), transport);
  CHECK(count_target(transport, "secretsmanager.GetSecretValue") == 4);
  for (const auto& result : results) CHECK(result.verdict == Verdict::kOk);
}

TEST_CASE("google keys of one read share a request", "[probe][scale]") {
  Env env;
  sp::config::Config config;
  config.gcp.workload_identity_provider = "projects/123456789/locations/global/workloadIdentityPools/gh/providers/gh";
  config.gcp.default_project = "shop-prod";
  // base64 of {"password":"canary-value-7f3a9"}; its CRC32C is 1128576100.
  FakeTransport transport([](const sp::http::Request& request) {
    if (request.url.find("/STS/v1/token") != std::string::npos)
      return respond(200, R"({"access_token":"federated-token-abc"})");
    if (request.url.find("/IAMCREDENTIALS/") != std::string::npos)
      return respond(200, R"({"accessToken":"ya29.sa-token-xyz"})");
    return respond(200, R"({"name":"projects/1/secrets/db/versions/3","payload":{"data":"eyJwYXNzd29yZCI6ImNhbmFyeS12YWx1ZS03ZjNhOSJ9","dataCrc32c":"1128576100"}})");
  });
  auto results = sp::probe::probe_edges({google_edge("db", "password"), google_edge("db", "user"),
                                         google_edge("db", "password"), google_edge("db")},
                                        options(&config), transport);
  int reads = 0;
  for (const auto& request : transport.requests())
    if (request.url.find("/SECRETMANAGER/") != std::string::npos) ++reads;
  CHECK(reads == 1);
  REQUIRE(results.size() == 4);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[1].verdict == Verdict::kKeyMissing);
  CHECK(results[2].verdict == Verdict::kOk);
  CHECK(results[3].verdict == Verdict::kOk);
}

TEST_CASE("azure keys of one read share a request", "[probe][scale]") {
  Env env;
  sp::config::Config config;
  FakeTransport transport([](const sp::http::Request& request) {
    if (request.url.find("/_azure/login/") != std::string::npos)
      return respond(200, R"({"token_type":"Bearer","access_token":"kv-token-123"})");
    return respond(200, R"({"value":"{\"password\":\")" + kCanary + R"(\"}","id":"https://shop-kv.vault.azure.net/secrets/db/1","attributes":{"enabled":true}})");
  });
  auto results = sp::probe::probe_edges({azure_edge("password"), azure_edge("user"), azure_edge("password")},
                                        options(&config), transport);
  int reads = 0;
  int tokens = 0;
  for (const auto& request : transport.requests()) {
    if (request.url.find("/_azure/keyvault/") != std::string::npos) ++reads;
    if (request.url.find("/_azure/login/") != std::string::npos) ++tokens;
  }
  CHECK(reads == 1);
  CHECK(tokens == 1);
  REQUIRE(results.size() == 3);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[1].verdict == Verdict::kKeyMissing);
  CHECK(results[2].verdict == Verdict::kOk);
  for (const auto& result : results) CHECK(result.message.find(kCanary) == std::string::npos);
}

TEST_CASE("scheduler starts every identity before repeats", "[probe][scale]") {
  std::vector<sp::PermissionEdge> edges;
  // Edges sorted by identity, as the plan sorts them by file: a0 a1 a2 b0 b1 b2, then a repeat of a0.
  for (int identity = 0; identity < 2; ++identity)
    for (int secret = 0; secret < 3; ++secret)
      edges.push_back(aws_edge(role(identity), "s" + std::to_string(secret)));
  edges.push_back(aws_edge(role(0), "s0", "", "deploy/other.json"));
  sp::probe::EdgeScheduler schedule(edges, 4, {});
  std::vector<size_t> order;
  while (auto next = schedule.next()) {
    order.push_back(*next);
    schedule.finish(*next);
  }
  CHECK(order == std::vector<size_t>{0, 3, 1, 4, 2, 5, 6});
}

TEST_CASE("scheduler keeps providers within bounds", "[probe][scale]") {
  std::vector<sp::PermissionEdge> edges;
  for (int i = 0; i < 6; ++i) edges.push_back(aws_edge(role(i), "s"));
  for (int i = 0; i < 3; ++i) edges.push_back(google_edge("g" + std::to_string(i)));
  sp::probe::EdgeScheduler schedule(edges, 8, {{"aws", 2}, {"gcp", 8}});
  std::vector<size_t> started;
  // Nothing finishes: AWS stops at its bound of 2, Google edges still start.
  for (int i = 0; i < 5; ++i) {
    auto next = schedule.next();
    REQUIRE(next);
    started.push_back(*next);
  }
  int aws = 0;
  int gcp = 0;
  for (size_t index : started) (index < 6 ? aws : gcp) += 1;
  CHECK(aws == 2);
  CHECK(gcp == 3);
  // A finished AWS edge lets the next one start.
  schedule.finish(started[0]);
  auto after = schedule.next();
  REQUIRE(after);
  CHECK(*after < 6);
}

TEST_CASE("slow provider leaves a worker for others", "[probe][scale]") {
  std::vector<sp::PermissionEdge> edges;
  for (int i = 0; i < 10; ++i) edges.push_back(aws_edge(role(i), "s"));
  for (int i = 0; i < 5; ++i) edges.push_back(google_edge("g" + std::to_string(i)));
  auto is_google = [](size_t index) { return index >= 10; };
  sp::probe::EdgeScheduler schedule(edges, 4, {});
  // AWS edges never finish; Google edges finish at once. AWS has no bound
  // of its own, yet it must never hold all four workers while Google edges wait.
  int aws_in_flight = 0;
  for (int step = 0; step < 7; ++step) {
    auto next = schedule.next();
    REQUIRE(next);
    if (is_google(*next)) {
      schedule.finish(*next);
    } else {
      ++aws_in_flight;
    }
    CHECK(aws_in_flight <= 3);
  }
  CHECK(aws_in_flight == 3);
}

TEST_CASE("probe run respects the AWS bound", "[probe][scale]") {
  Env env;
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  FakeTransport transport([&](const sp::http::Request& request) {
    if (is_sts(request))
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIARUN", "k", "t"));
    int now = ++in_flight;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --in_flight;
    return respond(200, R"({"Name":"s","SecretString":"x"})");
  });
  sp::config::Config config;
  config.aws.max_concurrency = 3;
  std::vector<sp::PermissionEdge> edges;
  for (int i = 0; i < 30; ++i) edges.push_back(aws_edge(role(i % 5), "app/s" + std::to_string(i)));
  auto results = sp::probe::probe_edges(edges, options(&config, 16), transport);
  for (const auto& result : results) CHECK(result.verdict == Verdict::kOk);
  CHECK(peak.load() <= 3);
  CHECK(peak.load() >= 2);
}

TEST_CASE("read key leaves out key and reference", "[probe][scale]") {
  auto base = aws_edge(role(1), "shop/db", "password", "a.json", 1);
  auto other_key = aws_edge(role(1), "shop/db", "user", "b.json", 9);
  other_key.identity.chain.push_back({"task definition b", {"b.json", 1, 1}});
  CHECK(sp::probe::read_key(base) == sp::probe::read_key(other_key));
  auto other_version = base;
  other_version.secret.version_id = "v2";
  CHECK(sp::probe::read_key(base) != sp::probe::read_key(other_version));
  auto other_policy = base;
  other_policy.identity.session_policy = "{}";
  CHECK(sp::probe::read_key(base) != sp::probe::read_key(other_policy));
  auto other_operation = base;
  other_operation.operation = "secretsmanager:DescribeSecret";
  CHECK(sp::probe::read_key(base) != sp::probe::read_key(other_operation));
}

TEST_CASE("libcurl can negotiate HTTP/2", "[probe][scale]") {
  // The transport asks for HTTP/2 over TLS (CURL_HTTP_VERSION_2TLS) and
  // multiplexes requests on one connection where the server offers h2 in
  // ALPN. A libcurl built without nghttp2 would fall back to HTTP/1.1.
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  REQUIRE(info != nullptr);
  CHECK((info->features & CURL_VERSION_HTTP2) != 0);
  CHECK((info->features & CURL_VERSION_SSL) != 0);
}

TEST_CASE("one GitHub token serves every exchange", "[probe][scale]") {
  Env env;
  setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "https://127.0.0.1:9/_github/idtoken?api-version=2.0", 1);
  setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token-5d81e", 1);
  auto github_then_aws = aws_cloud(std::chrono::milliseconds(10));
  FakeTransport transport([&](const sp::http::Request& request) {
    if (request.url.find("/_github/idtoken") != std::string::npos)
      return respond(200, "{\"count\":1,\"value\":\"" + kCiToken + "\"}");
    return github_then_aws(request);
  });
  std::vector<sp::PermissionEdge> edges;
  for (int i = 0; i < 24; ++i) edges.push_back(aws_edge(role(i % 6), "app/secret-" + std::to_string(i)));
  auto run_options = options(nullptr, 8);
  run_options.token_env.clear();
  auto results = sp::probe::probe_edges(edges, run_options, transport);
  unsetenv("ACTIONS_ID_TOKEN_REQUEST_URL");
  unsetenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  for (const auto& result : results) CHECK(result.verdict == Verdict::kOk);
  int token_requests = 0;
  for (const auto& request : transport.requests())
    if (request.url.find("/_github/idtoken") != std::string::npos) ++token_requests;
  CHECK(token_requests == 1);
  CHECK(count_sts(transport).size() == 6);
}
