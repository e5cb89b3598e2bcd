#include <catch2/catch.hpp>

#include <cstdlib>

#include "../auth/fake_transport.h"
#include "probe/prober.h"
#include "probe/secret_probe.h"
#include "util/redaction.h"

using sp::Verdict;
using sp::testing::FakeTransport;
using sp::testing::respond;

namespace {

const std::string kCanary = "canary-value-7f3a9";

struct Env {
  Env() {
    setenv("CI_TOKEN_FOR_PROBE", "header.eyJzdWIiOiJyZXBvOm8vcjpyZWY6cmVmcy9oZWFkcy9tYWluIn0.sig", 1);
    setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:9", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
  }
};

sp::PermissionEdge edge(const std::string& operation, const std::string& service, const std::string& id,
                        const std::string& key = "") {
  sp::PermissionEdge edge;
  edge.operation = operation;
  edge.secret.service = service;
  edge.secret.id = id;
  edge.secret.region = "us-east-1";
  edge.secret.json_key = key;
  edge.identity.principal = "arn:aws:iam::111122223333:role/shop-api-exec";
  return edge;
}

sp::probe::ProbeOptions options() {
  sp::probe::ProbeOptions options;
  options.token_env = "CI_TOKEN_FOR_PROBE";
  options.base_delay_seconds = 0.001;
  options.run_id = "7";
  return options;
}

// Returns credentials for STS calls and routes data-plane calls by X-Amz-Target.
FakeTransport::Handler cloud(std::function<sp::http::Response(const std::string&, const std::string&)> data) {
  return [data](const sp::http::Request& request) {
    std::string target = sp::testing::header_of(request, "X-Amz-Target");
    if (target.empty())
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIARUN",
                                                           "runtime-secret-key", "runtime-token"));
    return data(target, request.body);
  };
}

}  // namespace

TEST_CASE("probe reads secret and checks the key", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string& target, const std::string& body) {
    CHECK(target == "secretsmanager.GetSecretValue");
    CHECK(body == R"({"SecretId":"shop/stripe","VersionStage":"AWSCURRENT"})");
    return respond(200, R"({"Name":"shop/stripe","SecretString":"{\"api_key\":\")" + kCanary + R"(\"}"})");
  }));
  auto with_key = edge("secretsmanager:GetSecretValue", "secretsmanager", "shop/stripe", "api_key");
  with_key.secret.version_stage = "AWSCURRENT";
  auto missing_key = with_key;
  missing_key.secret.json_key = "password";
  auto results = sp::probe::probe_edges({with_key, missing_key}, options(), transport);
  REQUIRE(results.size() == 2);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[1].verdict == Verdict::kKeyMissing);
  CHECK(results[1].message ==
        "secretsmanager:GetSecretValue on secret shop/stripe as shop-api-exec returned JSON without "
        "the top-level key \"password\"");
  for (const auto& result : results) {
    CHECK(result.message.find(kCanary) == std::string::npos);
    CHECK(result.fix.find(kCanary) == std::string::npos);
  }
  // Secret values are not kept in the redaction registry: the value is wiped
  // after the key check rather than held for the rest of the run.
  CHECK_FALSE(sp::redaction::contains_registered(kCanary));
  // One STS exchange for both edges of the same identity.
  int exchanges = 0;
  for (const auto& request : transport.requests())
    if (sp::testing::header_of(request, "X-Amz-Target").empty()) ++exchanges;
  CHECK(exchanges == 1);
}

TEST_CASE("probe maps a denial with layer and fix", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) {
    return respond(400, R"({"__type":"AccessDeniedException","Message":"User: x is not authorized to perform: secretsmanager:GetSecretValue on resource: shop/stripe because no resource-based policy allows the secretsmanager:GetSecretValue action"})",
                   {{"x-amzn-requestid", "req-9"}});
  }));
  auto results = sp::probe::probe_edges({edge("secretsmanager:GetSecretValue", "secretsmanager", "shop/stripe")},
                                        options(), transport);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::kDenied);
  CHECK(results[0].layer == sp::Layer::kResourcePolicy);
  REQUIRE(results[0].provider_error);
  CHECK(results[0].provider_error->code == "AccessDeniedException");
  CHECK(results[0].provider_error->request_id == "req-9");
}

TEST_CASE("probe retries throttling then gives inconclusive", "[probe]") {
  Env env;
  int calls = 0;
  FakeTransport transport(cloud([&](const std::string&, const std::string&) {
    ++calls;
    return respond(400, R"({"__type":"ThrottlingException","message":"Rate exceeded"})");
  }));
  auto results = sp::probe::probe_edges({edge("ssm:GetParameter", "ssm", "/ci/token")}, options(), transport);
  CHECK(calls == 3);
  CHECK(results[0].verdict == Verdict::kInconclusive);
}

TEST_CASE("GetParameters InvalidParameters is not-found", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string& target, const std::string& body) {
    CHECK(target == "AmazonSSM.GetParameters");
    CHECK(body == R"({"Names":["/ci/token:3"],"WithDecryption":true})");
    return respond(200, R"({"Parameters":[],"InvalidParameters":["/ci/token:3"]})");
  }));
  auto with_selector = edge("ssm:GetParameters", "ssm", "/ci/token");
  with_selector.secret.parameter_selector = "3";
  auto results = sp::probe::probe_edges({with_selector}, options(), transport);
  CHECK(results[0].verdict == Verdict::kNotFound);
}

TEST_CASE("DescribeSecret verdicts", "[probe]") {
  Env env;
  struct Case {
    std::string name;
    int status;
    std::string body;
    Verdict verdict;
    sp::Layer layer;
  };
  std::vector<Case> cases = {
      {"metadata returned", 200, R"({"ARN":"arn:aws:secretsmanager:us-east-1:111122223333:secret:s-AbCdEf","Name":"s"})",
       Verdict::kOk, sp::Layer::kNone},
      {"scheduled for deletion", 200, R"({"Name":"s","DeletedDate":1772442891.0})", Verdict::kDisabled,
       sp::Layer::kNone},
      {"identity policy denial", 400,
       R"({"__type":"AccessDeniedException","Message":"User: arn:aws:sts::111122223333:assumed-role/shop-api-exec/p is not authorized to perform: secretsmanager:DescribeSecret on resource: s because no identity-based policy allows the secretsmanager:DescribeSecret action"})",
       Verdict::kDenied, sp::Layer::kIdentityPolicy},
      {"missing secret", 400,
       R"({"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."})",
       Verdict::kNotFound, sp::Layer::kNone},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    FakeTransport transport(cloud([&](const std::string& target, const std::string& body) {
      CHECK(target == "secretsmanager.DescribeSecret");
      CHECK(body == R"({"SecretId":"s"})");
      return respond(c.status, c.body);
    }));
    auto results = sp::probe::probe_edges({edge("secretsmanager:DescribeSecret", "secretsmanager", "s")},
                                          options(), transport);
    REQUIRE(results.size() == 1);
    CHECK(results[0].verdict == c.verdict);
    CHECK(results[0].layer == c.layer);
  }
}

TEST_CASE("unresolved edges are passed through", "[probe]") {
  Env env;
  FakeTransport transport([](const sp::http::Request&) { return respond(500, ""); });
  auto unresolved = edge("secretsmanager:GetSecretValue", "secretsmanager", "x");
  unresolved.unresolved_reason = "ServiceAccount shop/api has no role annotation";
  auto results = sp::probe::probe_edges({unresolved}, options(), transport);
  CHECK(results[0].verdict == Verdict::kUnresolved);
  CHECK(results[0].message == "ServiceAccount shop/api has no role annotation");
  CHECK(transport.requests().empty());
}

TEST_CASE("passed deadline gives inconclusive, never ok", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) {
    return respond(200, R"({"SecretString":"x"})");
  }));
  auto opts = options();
  opts.deadline_seconds = 1e-9;
  auto results = sp::probe::probe_edges({edge("secretsmanager:GetSecretValue", "secretsmanager", "s")}, opts,
                                        transport);
  CHECK(results[0].verdict == Verdict::kInconclusive);
}

sp::PermissionEdge find_edge(const std::string& operation, sp::SecretFind find) {
  auto result = edge(operation, "secretsmanager", find.path.empty() ? "*" : find.path);
  result.secret.find = std::move(find);
  return result;
}

const std::string kDenyList =
    R"({"__type":"AccessDeniedException","Message":"User: x is not authorized to perform: secretsmanager:ListSecrets because no identity-based policy allows the secretsmanager:ListSecrets action"})";

TEST_CASE("find ListSecrets sends filters, matches names", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string& target, const std::string& body) {
    CHECK(target == "secretsmanager.ListSecrets");
    if (body.find("NextToken") == std::string::npos) {
      CHECK(body == R"({"Filters":[{"Key":"name","Values":["team/"]}]})");
      return respond(200, R"({"SecretList":[{"Name":"team/a","ARN":"arn:a"}],"NextToken":"t2"})");
    }
    CHECK(body == R"({"Filters":[{"Key":"name","Values":["team/"]}],"NextToken":"t2"})");
    return respond(200, R"({"SecretList":[{"Name":"team/b","ARN":"arn:b"}]})");
  }));
  auto matching = find_edge("secretsmanager:ListSecrets", {"team/", "b$", {}});
  auto none = find_edge("secretsmanager:ListSecrets", {"team/", "^zzz", {}});
  auto results = sp::probe::probe_edges({matching, none}, options(), transport);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[0].message ==
        "secretsmanager:ListSecrets with name prefix \"team/\", names matching \"b$\" as shop-api-exec "
        "listed 1 matching secrets");
  CHECK(results[1].verdict == Verdict::kNotFound);
  CHECK(results[1].message.find("listed 2 secrets in us-east-1, none matching the find") != std::string::npos);
}

TEST_CASE("find ListSecrets denial names layer", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) { return respond(400, kDenyList); }));
  auto results = sp::probe::probe_edges({find_edge("secretsmanager:ListSecrets", {"", "^app", {}})}, options(),
                                        transport);
  CHECK(results[0].verdict == Verdict::kDenied);
  CHECK(results[0].layer == sp::Layer::kIdentityPolicy);
  CHECK(results[0].fix == "Allow secretsmanager:ListSecrets on * in a policy attached to shop-api-exec.");
}

TEST_CASE("find batch Errors entry is denied", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string& target, const std::string& body) {
    CHECK(target == "secretsmanager.BatchGetSecretValue");
    CHECK(body == R"({"Filters":[{"Key":"tag-key","Values":["team"]},{"Key":"tag-value","Values":["shop"]}]})");
    return respond(200, R"({"SecretValues":[{"Name":"team/a","SecretString":")" + kCanary +
                            R"("}],"Errors":[{"SecretId":"arn:aws:secretsmanager:us-east-1:111122223333:secret:team/c-AbCdEf","ErrorCode":"AccessDeniedException","Message":"User: x is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:111122223333:secret:team/c-AbCdEf with an explicit deny in an identity-based policy"}]})");
  }));
  auto results = sp::probe::probe_edges(
      {find_edge("secretsmanager:BatchGetSecretValue", {"", "", {{"team", "shop"}}})}, options(), transport);
  CHECK(results[0].verdict == Verdict::kDenied);
  CHECK(results[0].layer == sp::Layer::kIdentityPolicy);
  CHECK(results[0].message.find("read 1 matching secrets and listed "
                                "arn:aws:secretsmanager:us-east-1:111122223333:secret:team/c-AbCdEf in Errors") !=
        std::string::npos);
  CHECK(results[0].fix == "Allow secretsmanager:GetSecretValue on team/c-?????? in a policy attached to shop-api-exec.");
  CHECK(results[0].message.find(kCanary) == std::string::npos);
}

TEST_CASE("find batch skips errors the regexp excludes", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) {
    return respond(200, R"({"SecretValues":[{"Name":"app/a","SecretString":"v"}],"Errors":[{"SecretId":"other/x","ErrorCode":"ResourceNotFoundException"}]})");
  }));
  auto results = sp::probe::probe_edges({find_edge("secretsmanager:BatchGetSecretValue", {"app/", "^app/", {}})},
                                        options(), transport);
  CHECK(results[0].verdict == Verdict::kOk);
  CHECK(results[0].message.find("read all 1 matching secrets") != std::string::npos);
}

TEST_CASE("find batch denied for the call", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) { return respond(400, kDenyList); }));
  auto results = sp::probe::probe_edges({find_edge("secretsmanager:BatchGetSecretValue", {"app/", "", {}})},
                                        options(), transport);
  CHECK(results[0].verdict == Verdict::kDenied);
  CHECK(results[0].layer == sp::Layer::kIdentityPolicy);
}

TEST_CASE("find without path reads each match", "[probe]") {
  Env env;
  std::vector<std::string> reads;
  FakeTransport transport(cloud([&](const std::string& target, const std::string& body) {
    if (target == "secretsmanager.ListSecrets") {
      CHECK(body == "{}");
      return respond(200, R"({"SecretList":[{"Name":"app/a"},{"Name":"app/b"},{"Name":"web/c"}]})");
    }
    reads.push_back(body);
    if (body.find("app/b") != std::string::npos)
      return respond(400, R"({"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."})");
    return respond(200, R"({"SecretString":")" + kCanary + R"("})");
  }));
  auto results = sp::probe::probe_edges({find_edge("secretsmanager:GetSecretValue", {"", "^app/", {}})},
                                        options(), transport);
  REQUIRE(reads.size() == 2);
  CHECK(reads[0] == R"({"SecretId":"app/a","VersionStage":"AWSCURRENT"})");
  CHECK(results[0].verdict == Verdict::kNotFound);
  CHECK(results[0].message.find("dataFrom.find matched 2 secrets; secretsmanager:GetSecretValue on secret app/b") == 0);
}

TEST_CASE("find without list permission is inconclusive", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) { return respond(400, kDenyList); }));
  auto results = sp::probe::probe_edges({find_edge("secretsmanager:GetSecretValue", {"", "^app/", {}})},
                                        options(), transport);
  CHECK(results[0].verdict == Verdict::kInconclusive);
  CHECK(results[0].fix == "Fix the secretsmanager:ListSecrets edge of this find first.");
}

TEST_CASE("Parameter Store find is not probed yet", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) { return respond(500, ""); }));
  auto parameters = edge("ssm:GetParametersByPath", "ssm", "/shop/");
  parameters.secret.find = sp::SecretFind{"/shop/", "", {}};
  auto results = sp::probe::probe_edges({parameters}, options(), transport);
  CHECK(results[0].verdict == Verdict::kInconclusive);
  CHECK(results[0].message.find("is not probed yet") != std::string::npos);
  CHECK(transport.requests().size() == 1);
}

TEST_CASE("SSM reference denial names the secret", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) {
    return respond(400, R"json({"__type":"AccessDeniedException","Message":"User: x is not authorized to perform: secretsmanager:GetSecretValue on resource: shop/db because no identity-based policy allows the secretsmanager:GetSecretValue action (Service: AWSSecretsManager; Status Code: 400; Error Code: AccessDeniedException; Request ID: r; Proxy: null)"})json");
  }));
  auto results = sp::probe::probe_edges({edge("ssm:GetParameters", "ssm", "/aws/reference/secretsmanager/shop/db")},
                                        options(), transport);
  CHECK(results[0].verdict == Verdict::kDenied);
  CHECK(results[0].layer == sp::Layer::kIdentityPolicy);
  CHECK(results[0].fix == "Allow secretsmanager:GetSecretValue on shop/db-?????? in a policy attached to shop-api-exec.");
  CHECK(results[0].message.find("reads secret shop/db through SSM, which failed") != std::string::npos);
}

TEST_CASE("SSM reference to a missing secret", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) {
    return respond(200, R"({"Parameters":[],"InvalidParameters":["/aws/reference/secretsmanager/shop/db"]})");
  }));
  auto results = sp::probe::probe_edges({edge("ssm:GetParameters", "ssm", "/aws/reference/secretsmanager/shop/db")},
                                        options(), transport);
  CHECK(results[0].verdict == Verdict::kNotFound);
  CHECK(results[0].fix.find("Create secret shop/db in us-east-1") == 0);
}

TEST_CASE("SSM reference dependency failure is denied", "[probe]") {
  Env env;
  FakeTransport transport(cloud([](const std::string&, const std::string&) {
    return respond(400, R"({"__type":"ValidationException","message":"An error occurred while calling one AWS dependency service."})");
  }));
  auto results = sp::probe::probe_edges({edge("ssm:GetParameters", "ssm", "/aws/reference/secretsmanager/shop/db")},
                                        options(), transport);
  CHECK(results[0].verdict == Verdict::kDenied);
  CHECK(results[0].layer == sp::Layer::kUnknown);
}

TEST_CASE("operator comparison notes operator access", "[probe]") {
  Env env;
  setenv("AWS_ACCESS_KEY_ID", "AKIAOPERATOR", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "operator-secret-key", 1);
  FakeTransport transport([](const sp::http::Request& request) {
    std::string target = sp::testing::header_of(request, "X-Amz-Target");
    std::string authorization = sp::testing::header_of(request, "Authorization");
    if (target.empty())
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIARUN",
                                                           "runtime-secret-key", "runtime-token"));
    if (authorization.find("AKIAOPERATOR") != std::string::npos) return respond(200, R"({"SecretString":"v"})");
    return respond(400, R"({"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."})");
  });
  auto results = sp::probe::probe_edges({edge("secretsmanager:GetSecretValue", "secretsmanager", "s")},
                                        options(), transport);
  CHECK(results[0].verdict == Verdict::kNotFound);
  CHECK(results[0].operator_note == "operator can read, runtime identity cannot");
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
}

TEST_CASE("JSON key check wipes the buffer", "[probe]") {
  std::string value = R"({"user":"u","password":"p"})";
  CHECK(sp::probe::check_json_key(value, "password") == sp::probe::KeyCheck::kPresent);
  CHECK(value.empty());
  value = "plain text secret";
  CHECK(sp::probe::check_json_key(value, "password") == sp::probe::KeyCheck::kNotJson);
  value = "[1,2]";
  CHECK(sp::probe::check_json_key(value, "password") == sp::probe::KeyCheck::kNotObject);
  value = R"({"user":"u"})";
  CHECK(sp::probe::check_json_key(value, "password") == sp::probe::KeyCheck::kMissing);
}

namespace {

// Returns an iam:GetRole response for `arn` with the URL-encoded trust policy.
sp::http::Response get_role_response(const std::string& arn, const std::string& encoded_trust) {
  return respond(200, "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult><Role>"
                      "<Arn>" + arn + "</Arn><AssumeRolePolicyDocument>" + encoded_trust +
                      "</AssumeRolePolicyDocument></Role></GetRoleResult></GetRoleResponse>");
}

}  // namespace

TEST_CASE("chain hop without trust is denied", "[probe]") {
  Env env;
  setenv("AWS_ACCESS_KEY_ID", "AKIAOPERATOR", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "operator-secret-key", 1);
  const std::string base = "arn:aws:iam::111122223333:role/shop-eso";
  const std::string reader = "arn:aws:iam::111122223333:role/shop-reader";
  // %22 is '"': the base trusts the cluster's ServiceAccount, the reader trusts
  // only the account 999999999999.
  const std::string base_trust =
      "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Federated%22%3A"
      "%22arn%3Aaws%3Aiam%3A%3A111122223333%3Aoidc-provider%2Foidc.example%2Fid%2FX%22%7D%2C%22Action"
      "%22%3A%22sts%3AAssumeRoleWithWebIdentity%22%7D%5D%7D";
  const std::string reader_trust =
      "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A"
      "%22arn%3Aaws%3Aiam%3A%3A999999999999%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
  FakeTransport transport([&](const sp::http::Request& request) {
    std::string target = sp::testing::header_of(request, "X-Amz-Target");
    if (request.body.find("Action=GetRole") != std::string::npos) {
      if (request.body.find("RoleName=shop-eso") != std::string::npos) return get_role_response(base, base_trust);
      return get_role_response(reader, reader_trust);
    }
    if (target.empty())
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIARUN",
                                                           "runtime-secret-key", "runtime-token"));
    return respond(200, R"({"SecretString":"v"})");
  });
  auto chained = edge("secretsmanager:GetSecretValue", "secretsmanager", "shop/db");
  chained.identity.principal = reader;
  chained.identity.assumed_before = {base};
  chained.identity.mechanism = sp::IdentityMechanism::kIrsa;
  chained.identity.kubernetes_namespace = "shop";
  chained.identity.service_account = "shop-eso";
  chained.identity.oidc_issuer = "https://oidc.example/id/X";

  auto results = sp::probe::probe_edges({chained}, options(), transport);
  REQUIRE(results.size() == 1);
  CHECK(results[0].verdict == Verdict::kDenied);
  CHECK(results[0].layer == sp::Layer::kTrustPolicy);
  CHECK(results[0].message.starts_with("the trust policy of shop-reader does not allow " + base +
                                       " to perform sts:AssumeRole (probe: ok, "));
  CHECK(results[0].fix ==
        "Add this statement to the trust policy of shop-reader: "
        R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/shop-eso"},"Action":"sts:AssumeRole"})");

  SECTION("controller identity base is noted, hop still checked") {
    chained.identity.mechanism = sp::IdentityMechanism::kControllerIdentity;
    auto controller = sp::probe::probe_edges({chained}, options(), transport);
    CHECK(controller[0].verdict == Verdict::kDenied);
    CHECK(controller[0].layer == sp::Layer::kTrustPolicy);
  }
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
}
