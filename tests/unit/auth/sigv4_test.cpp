#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>

#include "auth/sigv4.h"

namespace {

std::chrono::system_clock::time_point utc(int year, int month, int day, int hour, int minute, int second) {
  std::tm time{};
  time.tm_year = year - 1900;
  time.tm_mon = month - 1;
  time.tm_mday = day;
  time.tm_hour = hour;
  time.tm_min = minute;
  time.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&time));
}

sp::auth::AwsCredentials example_credentials() {
  sp::auth::AwsCredentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = sp::SensitiveString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  return credentials;
}

std::string header(const sp::http::Request& request, const std::string& name) {
  for (const auto& [key, value] : request.headers)
    if (key == name) return value;
  return "";
}

}  // namespace

// AWS SigV4 test suite case post-x-www-form-urlencoded (also in botocore
// tests/unit/auth/aws4_testsuite).
TEST_CASE("SigV4 matches the AWS form-POST test vector", "[auth]") {
  sp::http::Request request;
  request.method = "POST";
  request.url = "https://example.amazonaws.com/";
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = "Param1=value1";
  auto signature = sp::auth::sign(request, example_credentials(), "us-east-1", "service",
                                  utc(2015, 8, 30, 12, 36, 0));
  CHECK(sp::auth::sha256_hex(request.body) ==
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  CHECK(sp::auth::sha256_hex(signature.canonical_request) ==
        "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281");
  CHECK(signature.signed_headers == "content-type;host;x-amz-date");
  CHECK(signature.signature == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
  CHECK(header(request, "X-Amz-Date") == "20150830T123600Z");
  CHECK(header(request, "Authorization") ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST_CASE("SigV4 signs session token, target and port", "[auth]") {
  sp::http::Request request;
  request.url = "https://127.0.0.1:8443/";
  request.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                     {"X-Amz-Target", "secretsmanager.GetSecretValue"},
                     {"User-Agent", "secret-preflight"}};
  request.body = R"({"SecretId":"prod/db"})";
  auto credentials = example_credentials();
  credentials.session_token = sp::SensitiveString("session-token-value");
  auto signature = sp::auth::sign(request, credentials, "eu-west-1", "secretsmanager",
                                  utc(2026, 1, 1, 12, 0, 0));
  CHECK(signature.signed_headers ==
        "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
  CHECK(signature.canonical_request.find("\nhost:127.0.0.1:8443\n") != std::string::npos);
  CHECK(signature.string_to_sign.find("20260101/eu-west-1/secretsmanager/aws4_request") !=
        std::string::npos);
  CHECK(header(request, "X-Amz-Security-Token") == "session-token-value");
}

TEST_CASE("SigV4 sorts and encodes the query string", "[auth]") {
  sp::http::Request request;
  request.method = "GET";
  request.url = "https://example.amazonaws.com/?b=2&a=x y&a=1";
  auto signature = sp::auth::sign(request, example_credentials(), "us-east-1", "service",
                                  utc(2015, 8, 30, 12, 36, 0));
  CHECK(signature.canonical_request.starts_with("GET\n/\na=1&a=x%20y&b=2\n"));
}
