#include "resolve/kinds.h"

#include <catch2/catch.hpp>

#include "manifest/load.h"

using sp::Diagnostic;

namespace {

// Loads `text` through a DocumentFilter and returns the kept documents.
std::vector<sp::manifest::Document> load_filtered(const std::string& text,
                                                  sp::resolve::DocumentFilter& filter,
                                                  std::vector<Diagnostic>& diagnostics) {
  sp::manifest::LoadOptions options;
  options.keep = [&filter](const sp::manifest::Document& document) {
    return filter.keep(document);
  };
  return sp::manifest::load_manifest_text("deploy/all.yaml", text, diagnostics, options);
}

}  // namespace

TEST_CASE("Filter keeps only resolved kinds", "[resolve]") {
  std::vector<Diagnostic> diagnostics;
  sp::resolve::DocumentFilter filter(diagnostics);
  auto documents = load_filtered(
      "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\n"
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
      "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c}\n"
      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n"
      "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: e}\n"
      "---\napiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: f}\n",
      filter, diagnostics);
  CHECK(diagnostics.empty());
  REQUIRE(documents.size() == 3);
  CHECK(filter.seen() == 6);
  CHECK(filter.dropped() == std::map<std::string, size_t>{{"ConfigMap", 2}, {"Widget", 1}});
}

TEST_CASE("Filter keeps ECS task definitions", "[resolve]") {
  std::vector<Diagnostic> diagnostics;
  sp::resolve::DocumentFilter filter(diagnostics);
  auto documents = sp::manifest::load_manifest_text(
      "td.json", "{\"family\": \"a\", \"containerDefinitions\": []}", diagnostics,
      {sp::manifest::kDefaultMaxFileSize,
       [&filter](const sp::manifest::Document& document) { return filter.keep(document); }});
  CHECK(documents.size() == 1);
  CHECK(filter.dropped().empty());
}

TEST_CASE("Unknown apiVersion of resolved kind warns", "[resolve]") {
  std::vector<Diagnostic> diagnostics;
  sp::resolve::DocumentFilter filter(diagnostics);
  auto documents = load_filtered(
      "apiVersion: external-secrets.io/v2alpha9\nkind: ExternalSecret\nmetadata: {name: a}\n"
      "---\napiVersion: v1\nkind: Service\nmetadata: {name: plain}\n"
      "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: batch}\n"
      "---\napiVersion: run.googleapis.com/v2\nkind: Job\nmetadata: {name: run}\n",
      filter, diagnostics);
  CHECK(documents.size() == 4);
  REQUIRE(diagnostics.size() == 2);
  CHECK(diagnostics[0].severity == Diagnostic::Severity::kWarning);
  CHECK(diagnostics[0].location.file == "deploy/all.yaml");
  CHECK(diagnostics[0].location.line == 1);
  CHECK(diagnostics[0].location.column == 13);
  CHECK(diagnostics[0].message ==
        "ExternalSecret has apiVersion \"external-secrets.io/v2alpha9\", which secret-preflight "
        "does not know (external-secrets.io/v1, external-secrets.io/v1beta1, "
        "external-secrets.io/v1alpha1); it is read as those versions are, so check its edges");
  CHECK(diagnostics[1].location.line == 13);
  CHECK(diagnostics[1].message.starts_with("Job has apiVersion \"run.googleapis.com/v2\""));
}
