// JSON printed to the log under GitHub Actions carries no legacy `##[`
// command, and still parses to the same value.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <string>

#include "report/github.h"
#include "util/json.h"

namespace github = sp::report::github;

TEST_CASE("JSON legacy commands are escaped", "[report]") {
  const std::string hostile = "##[group]x ##[error]y ###[z ##";
  std::string json = "{\"id\":" + sp::json::quote(hostile) + ",\"list\":[1,2]}";

  std::string escaped = github::escape_legacy_commands_in_json(json);

  CHECK(escaped.find("##[") == std::string::npos);
  CHECK(escaped == R"({"id":"##\u005bgroup]x ##\u005berror]y ###\u005bz ##","list":[1,2]})");
  rapidjson::Document document;
  document.Parse(escaped.data(), escaped.size());
  REQUIRE_FALSE(document.HasParseError());
  CHECK(std::string(document["id"].GetString()) == hostile);
  CHECK(document["list"].Size() == 2);
}

TEST_CASE("JSON without legacy commands is unchanged", "[report]") {
  const std::string json = R"({"id":"arn:aws:iam::1:role/x","note":"# [a] #[b]"})";
  CHECK(github::escape_legacy_commands_in_json(json) == json);
}
