#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "auth/ci_token.h"
#include "fake_transport.h"
#include "util/redaction.h"

using sp::testing::FakeTransport;
using sp::testing::respond;

namespace {

void clear_token_env() {
  for (const char* name : {"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                           "AWS_WEB_IDENTITY_TOKEN_FILE"})
    unsetenv(name);
}

sp::auth::RetryPolicy no_wait() {
  sp::auth::RetryPolicy retry;
  retry.sleep = [](auto) {};
  return retry;
}

}  // namespace

TEST_CASE("CI token missing names the id-token permission", "[auth]") {
  clear_token_env();
  FakeTransport transport([](const sp::http::Request&) { return respond(500, ""); });
  sp::auth::CiTokenSource source(transport, {}, no_wait());
  auto result = source.fetch();
  CHECK(result.token.empty());
  CHECK(result.error ==
        "no CI OIDC token: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not "
        "set (missing id-token: write permission, or running from a fork); outside GitHub Actions "
        "pass --token-file or --token-env");
  CHECK(transport.requests().empty());
}

TEST_CASE("CI token from GitHub appends the audience", "[auth]") {
  clear_token_env();
  setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "https://127.0.0.1:9/_github/idtoken?api-version=2.0", 1);
  setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token-1234", 1);
  FakeTransport transport([](const sp::http::Request&) {
    return respond(200, R"({"count":1,"value":"header.payload-from-github.signature"})");
  });
  sp::auth::CiTokenSource source(transport, {"", "", "api://Azure Token"}, no_wait());
  auto result = source.fetch();
  CHECK(result.error.empty());
  CHECK(result.token.reveal() == "header.payload-from-github.signature");
  auto requests = transport.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].url ==
        "https://127.0.0.1:9/_github/idtoken?api-version=2.0&audience=api%3A%2F%2FAzure%20Token");
  CHECK(sp::testing::header_of(requests[0], "Authorization") == "Bearer request-token-1234");
  CHECK(sp::redaction::redact("header.payload-from-github.signature request-token-1234") == "*** ***");
  clear_token_env();
}

TEST_CASE("CI token from a file is trimmed", "[auth]") {
  clear_token_env();
  std::string path = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                     "/sp-ci-token-test.jwt";
  std::ofstream(path) << "file.token.value\n";
  FakeTransport transport([](const sp::http::Request&) { return respond(500, ""); });
  sp::auth::CiTokenSource source(transport, {path, "", "sts.amazonaws.com"}, no_wait());
  CHECK(source.fetch().token.reveal() == "file.token.value");
  std::remove(path.c_str());
  CHECK(source.fetch().error.starts_with("cannot read the CI token file"));
}

TEST_CASE("JWT claims come from the payload", "[auth]") {
  // Payload {"sub":"repo:o/r:pull_request","iss":"https://issuer","aud":["a","b"]}.
  auto claims = sp::auth::read_claims(
      "e30.eyJzdWIiOiJyZXBvOm8vcjpwdWxsX3JlcXVlc3QiLCJpc3MiOiJodHRwczovL2lzc3VlciIsImF1ZCI6WyJhIiwiYiJdfQ.x");
  REQUIRE(claims);
  CHECK(claims->sub == "repo:o/r:pull_request");
  CHECK(claims->iss == "https://issuer");
  CHECK(claims->aud == "a");
  CHECK_FALSE(sp::auth::read_claims("not-a-jwt"));
}
