#include <catch2/catch.hpp>

#include <cstdlib>
#include <thread>

#include "auth/aws_sts.h"
#include "fake_transport.h"
#include "util/redaction.h"

using sp::testing::FakeTransport;
using sp::testing::form_param;
using sp::testing::respond;

namespace {

// A JWT whose payload is {"sub":"repo:my-org/my-repo:ref:refs/heads/main","iss":"https://token.actions.githubusercontent.com","aud":"sts.amazonaws.com"}.
const std::string kJwt =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJzdWIiOiJyZXBvOm15LW9yZy9teS1yZXBvOnJlZjpyZWZzL2hlYWRzL21haW4iLCJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ."
    "c2lnbmF0dXJl";

struct Env {
  Env() {
    setenv("CI_TOKEN_FOR_TEST", kJwt.c_str(), 1);
    setenv("AWS_ENDPOINT_URL", "https://127.0.0.1:9", 1);
    unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  }
};

sp::auth::RetryPolicy no_wait() {
  sp::auth::RetryPolicy retry;
  retry.sleep = [](auto) {};
  retry.random = [] { return 0.5; };
  return retry;
}

sp::RuntimeIdentity identity(const std::string& role) {
  sp::RuntimeIdentity id;
  id.principal = role;
  return id;
}

}  // namespace

TEST_CASE("STS web identity sends token, name and policy", "[auth]") {
  Env env;
  FakeTransport transport([](const sp::http::Request& request) {
    if (form_param(request.body, "Action") == "AssumeRoleWithWebIdentity")
      return respond(200, sp::testing::sts_credentials_xml("AssumeRoleWithWebIdentity", "ASIAONE",
                                                           "secret-key-one", "session-token-one"));
    return respond(400, "");
  });
  sp::auth::CiTokenSource tokens(transport, {"", "CI_TOKEN_FOR_TEST", "sts.amazonaws.com"}, no_wait());
  sp::auth::StsClient sts(transport, tokens, {"eu-west-1", "run/42 attempt#1", no_wait()});

  auto hops = sp::auth::plan_hops(identity("arn:aws:iam::111122223333:role/shop-api-exec"), "", true);
  auto session = sts.session_for(hops);
  REQUIRE(session.credentials);
  CHECK(session.credentials->access_key_id == "ASIAONE");
  CHECK(session.credentials->secret_access_key.reveal() == "secret-key-one");
  CHECK(sp::redaction::redact("x secret-key-one session-token-one") == "x *** ***");

  auto requests = transport.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].url == "https://127.0.0.1:9/");
  CHECK(sp::testing::header_of(requests[0], "Authorization").empty());
  CHECK(form_param(requests[0].body, "Version") == "2011-06-15");
  CHECK(form_param(requests[0].body, "RoleArn") == "arn:aws:iam::111122223333:role/shop-api-exec");
  CHECK(form_param(requests[0].body, "RoleSessionName") == "secret-preflight-run-42-attempt-1");
  CHECK(form_param(requests[0].body, "Policy") == sp::auth::probe_session_policy());
  CHECK(form_param(requests[0].body, "WebIdentityToken") == kJwt);
}

TEST_CASE("STS chain signs AssumeRole with the first session", "[auth]") {
  Env env;
  FakeTransport transport([](const sp::http::Request& request) {
    std::string action = form_param(request.body, "Action");
    if (action == "AssumeRoleWithWebIdentity")
      return respond(200, sp::testing::sts_credentials_xml(action, "ASIAPRE", "pre-secret-key", "pre-token-value"));
    return respond(200, sp::testing::sts_credentials_xml(action, "ASIARUN", "run-secret-key", "run-token-value"));
  });
  sp::auth::CiTokenSource tokens(transport, {"", "CI_TOKEN_FOR_TEST", "sts.amazonaws.com"}, no_wait());
  sp::auth::StsClient sts(transport, tokens, {"us-east-1", "1", no_wait()});
  auto runtime = identity("arn:aws:iam::111122223333:role/runtime");
  runtime.assumed_before = {"arn:aws:iam::111122223333:role/eso-base"};
  runtime.session_policy = R"({"Version":"2012-10-17","Statement":[]})";
  auto hops = sp::auth::plan_hops(runtime, "arn:aws:iam::111122223333:role/preflight", true);
  REQUIRE(hops.size() == 3);
  CHECK(hops[0].web_identity);
  CHECK(hops[0].session_policy == sp::auth::chain_session_policy());
  CHECK_FALSE(hops[1].web_identity);
  CHECK(hops[2].session_policy == runtime.session_policy);

  auto session = sts.session_for(hops);
  REQUIRE(session.credentials);
  CHECK(session.credentials->access_key_id == "ASIARUN");
  CHECK(session.first_hop->access_key_id == "ASIAPRE");
  auto requests = transport.requests();
  REQUIRE(requests.size() == 3);
  CHECK(form_param(requests[1].body, "Action") == "AssumeRole");
  CHECK(form_param(requests[1].body, "RoleArn") == "arn:aws:iam::111122223333:role/eso-base");
  CHECK(sp::testing::header_of(requests[1], "Authorization")
            .starts_with("AWS4-HMAC-SHA256 Credential=ASIAPRE/"));
  CHECK(sp::testing::header_of(requests[1], "X-Amz-Security-Token") == "pre-token-value");
  CHECK(sp::testing::header_of(requests[2], "Authorization")
            .find("/us-east-1/sts/aws4_request") != std::string::npos);
}

TEST_CASE("STS exchanges once per chain across threads", "[auth]") {
  Env env;
  FakeTransport transport([](const sp::http::Request& request) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return respond(200, sp::testing::sts_credentials_xml(form_param(request.body, "Action"), "ASIA",
                                                         "shared-secret-key", "shared-token"));
  });
  sp::auth::CiTokenSource tokens(transport, {"", "CI_TOKEN_FOR_TEST", "sts.amazonaws.com"}, no_wait());
  sp::auth::StsClient sts(transport, tokens, {"us-east-1", "1", no_wait()});
  auto hops = sp::auth::plan_hops(identity("arn:aws:iam::1:role/r"), "", true);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { CHECK(sts.session_for(hops).credentials); });
  for (auto& thread : threads) thread.join();
  CHECK(transport.requests().size() == 1);
}

TEST_CASE("STS failure keeps code, hop and token claims", "[auth]") {
  Env env;
  FakeTransport transport([](const sp::http::Request&) {
    return respond(403, sp::testing::sts_error_xml("AccessDenied",
                                                   "Not authorized to perform sts:AssumeRoleWithWebIdentity"));
  });
  sp::auth::CiTokenSource tokens(transport, {"", "CI_TOKEN_FOR_TEST", "sts.amazonaws.com"}, no_wait());
  sp::auth::StsClient sts(transport, tokens, {"us-east-1", "1", no_wait()});
  auto session = sts.session_for(sp::auth::plan_hops(identity("arn:aws:iam::1:role/r"), "", false));
  REQUIRE(session.failure);
  REQUIRE(session.failure->error);
  CHECK(session.failure->error->code == "AccessDenied");
  CHECK(session.failure->error->request_id == "r-2");
  CHECK(session.failure->hop.role_arn == "arn:aws:iam::1:role/r");
  REQUIRE(session.failure->claims);
  CHECK(session.failure->claims->sub == "repo:my-org/my-repo:ref:refs/heads/main");
  CHECK(transport.requests().size() == 1);  // authorization errors are not retried
}

TEST_CASE("STS retries throttling with a fresh token", "[auth]") {
  Env env;
  int calls = 0;
  FakeTransport transport([&](const sp::http::Request& request) {
    if (++calls == 1) return respond(400, sp::testing::sts_error_xml("Throttling", "Rate exceeded"));
    return respond(200, sp::testing::sts_credentials_xml(form_param(request.body, "Action"), "ASIA",
                                                         "retry-secret-key", "retry-token"));
  });
  sp::auth::CiTokenSource tokens(transport, {"", "CI_TOKEN_FOR_TEST", "sts.amazonaws.com"}, no_wait());
  sp::auth::StsClient sts(transport, tokens, {"us-east-1", "1", no_wait()});
  auto session = sts.session_for(sp::auth::plan_hops(identity("arn:aws:iam::1:role/r"), "", false));
  CHECK(session.credentials);
  CHECK(calls == 2);
}

TEST_CASE("role session name is sanitized and capped", "[auth]") {
  CHECK(sp::auth::role_session_name("123") == "secret-preflight-123");
  CHECK(sp::auth::role_session_name("a b/c:d") == "secret-preflight-a-b-c-d");
  CHECK(sp::auth::role_session_name(std::string(100, 'x')).size() == 64);
}
