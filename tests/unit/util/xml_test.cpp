#include <catch2/catch.hpp>

#include "util/xml.h"

using sp::xml::parse;

TEST_CASE("XML reader reads nested STS fields", "[util]") {
  auto root = parse(R"(<?xml version="1.0"?>
<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SessionToken>a&amp;b&lt;c&#x3E;d&#65;</SessionToken>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <!-- comment -->
  <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>)");
  REQUIRE(root);
  CHECK(root->name == "AssumeRoleWithWebIdentityResponse");
  CHECK(root->text_at("AssumeRoleWithWebIdentityResult/Credentials/AccessKeyId") == "ASIAEXAMPLE");
  CHECK(root->text_at("AssumeRoleWithWebIdentityResult/Credentials/SessionToken") == "a&b<c>dA");
  CHECK(root->text_at("ResponseMetadata/RequestId") == "req-1");
  CHECK(root->text_at("Missing/Path").empty());
}

TEST_CASE("XML reader drops namespace prefixes and reads CDATA", "[util]") {
  auto root = parse("<a:Root xmlns:a='x'><a:Item attr=\"1>2\">one</a:Item><Empty/>"
                    "<Data><![CDATA[<raw> & text]]></Data></a:Root>");
  REQUIRE(root);
  CHECK(root->name == "Root");
  CHECK(root->text_at("Item") == "one");
  CHECK(root->child("Empty") != nullptr);
  CHECK(root->text_at("Data") == "<raw> & text");
}

TEST_CASE("XML reader rejects malformed documents", "[util]") {
  std::string error;
  CHECK_FALSE(parse("<a><b></a>", &error));
  CHECK(error.starts_with("mismatched end tag"));
  CHECK_FALSE(parse("<a>text", &error));
  CHECK_FALSE(parse("not xml", &error));
  CHECK(error == "no root element at offset 0");
}
