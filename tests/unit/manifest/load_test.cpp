#include "manifest/load.h"

#include <catch2/catch.hpp>

#include "util/yaml_node.h"

using sp::Diagnostic;
using sp::manifest::DocumentFormat;
using sp::manifest::load_manifest_text;

TEST_CASE("YAML stream loads each document with its line", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text("deploy/app.yaml",
                                      "# leading comment\n"
                                      "---\n"
                                      "---\n"
                                      "apiVersion: v1\n"
                                      "kind: ServiceAccount\n"
                                      "metadata: {name: a}\n"
                                      "...\n"
                                      "---\n"
                                      "# only a comment\n"
                                      "---\n"
                                      "apiVersion: v1\n"
                                      "kind: ConfigMap\n"
                                      "metadata:\n"
                                      "  name: b\n",
                                      diagnostics);
  CHECK(diagnostics.empty());
  REQUIRE(documents.size() == 2);
  CHECK(documents[0].locate(documents[0].root).line == 4);
  auto name = sp::util::child(sp::util::child(documents[1].root, "metadata"), "name");
  auto location = documents[1].locate(name);
  CHECK(location.file == "deploy/app.yaml");
  CHECK(location.line == 14);
  CHECK(location.column == 9);
}

TEST_CASE("List items become documents at their own line", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text("list.yaml",
                                      "apiVersion: v1\n"
                                      "kind: List\n"
                                      "items:\n"
                                      "  - apiVersion: v1\n"
                                      "    kind: ServiceAccount\n"
                                      "    metadata: {name: a}\n"
                                      "  - kind: ServiceAccountList\n"
                                      "    items: []\n"
                                      "  - apiVersion: v1\n"
                                      "    kind: Secret\n"
                                      "    metadata: {name: b}\n",
                                      diagnostics);
  REQUIRE(documents.size() == 3);
  CHECK(documents[0].locate(documents[0].root).line == 4);
  CHECK(documents[2].locate(documents[2].root).line == 9);
}

TEST_CASE("Helm Source comment is kept", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text("rendered.yaml",
                                      "---\n"
                                      "# Source: shop/templates/sa.yaml\n"
                                      "apiVersion: v1\n"
                                      "kind: ServiceAccount\n"
                                      "metadata: {name: a}\n"
                                      "---\n"
                                      "apiVersion: v1\n"
                                      "kind: ServiceAccount\n"
                                      "metadata: {name: b}\n",
                                      diagnostics);
  REQUIRE(documents.size() == 2);
  CHECK(documents[0].helm_source == "shop/templates/sa.yaml");
  CHECK(documents[1].helm_source.empty());
}

TEST_CASE("Malformed document is diagnosed and others still load", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text("broken.yaml",
                                      "kind: ServiceAccount\n"
                                      "metadata: {name: a}\n"
                                      "---\n"
                                      "kind: Secret\n"
                                      "metadata: {name: [b}\n"
                                      "---\n"
                                      "kind: ConfigMap\n"
                                      "metadata: {name: c}\n",
                                      diagnostics);
  CHECK(documents.size() == 2);
  REQUIRE(diagnostics.size() == 1);
  const Diagnostic& diagnostic = diagnostics[0];
  CHECK(diagnostic.severity == Diagnostic::Severity::kError);
  CHECK(diagnostic.location.file == "broken.yaml");
  CHECK(diagnostic.location.line == 5);
  CHECK(diagnostic.location.column == 20);
  CHECK(diagnostic.message == "invalid YAML: illegal flow end");
  CHECK(diagnostic.source_line == "metadata: {name: [b}");
}

TEST_CASE("Duplicate key names both lines", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  load_manifest_text("es.yaml",
                     "kind: ExternalSecret\n"
                     "spec:\n"
                     "  dataFrom:\n"
                     "    - extract: {key: a}\n"
                     "  dataFrom:\n"
                     "    - extract: {key: b}\n",
                     diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.line == 5);
  CHECK(diagnostics[0].location.column == 3);
  CHECK(diagnostics[0].message ==
        "duplicate key \"dataFrom\" (first at line 3, again at line 5); tools disagree on which "
        "value wins, so remove or merge one of them");
  CHECK(diagnostics[0].source_line == "  dataFrom:");
}

TEST_CASE("Non-manifest files are ignored silently", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  SECTION("workflow YAML") {
    auto documents = load_manifest_text(".github/workflows/ci.yml",
                                        "on: push\njobs: {}\njobs: {}\n", diagnostics);
    CHECK(documents.empty());
  }
  SECTION("package JSON") {
    auto documents = load_manifest_text("package.json", "{\"name\": \"x\"}", diagnostics);
    CHECK(documents.empty());
  }
  CHECK(diagnostics.empty());
}

TEST_CASE("Task definition JSON shapes load", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  std::string bare = "{\"family\": \"a\", \"containerDefinitions\": []}";
  SECTION("bare") {
    auto documents = load_manifest_text("td.json", bare, diagnostics);
    REQUIRE(documents.size() == 1);
    CHECK(documents[0].format == DocumentFormat::kEcsTaskDefinition);
  }
  SECTION("describe output") {
    auto documents =
        load_manifest_text("td.json", "{\"taskDefinition\": " + bare + "}", diagnostics);
    REQUIRE(documents.size() == 1);
    CHECK(sp::util::child_text(documents[0].root, "family") == "a");
  }
  SECTION("array of both") {
    auto documents = load_manifest_text(
        "td.json", "[" + bare + ",\n {\"taskDefinition\": " + bare + "}]", diagnostics);
    REQUIRE(documents.size() == 2);
    CHECK(documents[1].locate(documents[1].root).line == 2);
  }
  CHECK(diagnostics.empty());
}

TEST_CASE("JSON syntax errors use JSON's rules", "[manifest]") {
  struct Case {
    std::string text;
    int line;
    int column;
    std::string message;
  };
  std::vector<Case> cases = {
      {"{\"family\": \"a\",\n}", 2, 1, "invalid JSON: Missing a name for object member."},
      {"{\"family\": 'a'}", 1, 12, "invalid JSON: Invalid value."},
      {"// comment\n{}", 1, 1, "invalid JSON: Invalid value."},
  };
  for (const auto& test : cases) {
    std::vector<Diagnostic> diagnostics;
    load_manifest_text("td.json", test.text, diagnostics);
    INFO(test.text);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == test.line);
    CHECK(diagnostics[0].location.column == test.column);
    CHECK(diagnostics[0].message == test.message);
  }
}

TEST_CASE("JSON duplicate key is an error", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  load_manifest_text("td.json",
                     "{\"family\": \"a\",\n \"containerDefinitions\": [],\n \"family\": \"b\"}",
                     diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.line == 3);
  CHECK(diagnostics[0].location.column == 2);
}
