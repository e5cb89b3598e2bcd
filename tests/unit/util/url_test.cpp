#include <catch2/catch.hpp>

#include "util/base64.h"
#include "util/url.h"

TEST_CASE("percent encoding keeps only unreserved bytes", "[util]") {
  CHECK(sp::url::percent_encode("arn:aws:iam::1:role/a b~_.-") ==
        "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b~_.-");
  CHECK(sp::url::percent_decode("a%2Fb+c%zz", true) == "a/b c%zz");
  CHECK(sp::url::percent_decode("%7B%22a%22%7D") == "{\"a\"}");
}

TEST_CASE("URL parser splits host, port, path and query", "[util]") {
  sp::url::Parts parts;
  REQUIRE(sp::url::parse("https://127.0.0.1:8443/idtoken?api-version=2.0", parts));
  CHECK(parts.scheme == "https");
  CHECK(parts.host == "127.0.0.1");
  CHECK(parts.port == 8443);
  CHECK(parts.path == "/idtoken");
  CHECK(parts.query == "api-version=2.0");
  CHECK(sp::url::host_header(parts) == "127.0.0.1:8443");

  REQUIRE(sp::url::parse("https://sts.us-east-1.amazonaws.com", parts));
  CHECK(parts.path == "/");
  CHECK(parts.port == 0);
  CHECK(sp::url::host_header(parts) == "sts.us-east-1.amazonaws.com");

  REQUIRE(sp::url::parse("https://example.com:443/", parts));
  CHECK(sp::url::host_header(parts) == "example.com");
  CHECK_FALSE(sp::url::parse("no-scheme/path", parts));
}

TEST_CASE("base64 decodes standard and URL-safe text", "[util]") {
  CHECK(sp::base64::decode("eyJzdWIiOiJ4In0") == std::optional<std::string>("{\"sub\":\"x\"}"));
  CHECK(sp::base64::decode("Pz8_") == std::optional<std::string>("???"));
  CHECK(sp::base64::decode("Pz8/") == std::optional<std::string>("???"));
  CHECK_FALSE(sp::base64::decode("a*b"));
}
