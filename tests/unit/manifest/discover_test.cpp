#include "manifest/discover.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using sp::Diagnostic;

namespace {

/// A fresh folder under the system temp folder, removed at scope exit.
class TempRepository {
 public:
  TempRepository() {
    static int count = 0;
    root_ = fs::temp_directory_path() /
            ("sp-discover-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  ~TempRepository() { fs::remove_all(root_); }

  void write(const std::string& path, const std::string& text = "kind: x\n") {
    fs::create_directories((root_ / path).parent_path());
    std::ofstream(root_ / path) << text;
  }
  std::string root() const { return root_.string(); }
  fs::path path() const { return root_; }

 private:
  fs::path root_;
};

}  // namespace

TEST_CASE("Discovery finds manifests and skips tool folders", "[manifest]") {
  TempRepository repository;
  repository.write("deploy/app.yaml");
  repository.write("deploy/task.json");
  repository.write("deploy/notes.txt");
  repository.write("k8s/b.yml");
  repository.write(".git/config.yaml");
  repository.write("node_modules/x/a.yaml");
  repository.write("build-resolve/a.yaml");
  std::vector<Diagnostic> diagnostics;
  auto files = sp::manifest::discover_manifest_files(repository.root(), {}, diagnostics);
  CHECK(files == std::vector<std::string>{"deploy/app.yaml", "deploy/task.json", "k8s/b.yml"});
  CHECK(diagnostics.empty());
}

TEST_CASE("Unrendered Helm chart is skipped with a warning", "[manifest]") {
  TempRepository repository;
  repository.write("charts/shop/Chart.yaml", "apiVersion: v2\nname: shop\n");
  repository.write("charts/shop/values.yaml", "image: x\n");
  repository.write("charts/shop/templates/deployment.yaml", "{{- if .Values.x }}\n");
  std::vector<Diagnostic> diagnostics;
  auto files = sp::manifest::discover_manifest_files(repository.root(), {}, diagnostics);
  CHECK(files == std::vector<std::string>{"charts/shop/Chart.yaml", "charts/shop/values.yaml"});
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].severity == Diagnostic::Severity::kWarning);
  CHECK(diagnostics[0].location.file == "charts/shop/Chart.yaml");
  CHECK(diagnostics[0].message ==
        "skipped unrendered Helm chart \"charts/shop\": its templates are not YAML; render them "
        "with `helm template` and scan the output");
}

TEST_CASE("Symlinks outside the root are not followed", "[manifest]") {
  TempRepository repository;
  TempRepository elsewhere;
  repository.write("deploy/app.yaml");
  elsewhere.write("outside.yaml");
  fs::path outside = elsewhere.path() / "outside.yaml";
  fs::create_symlink(outside, repository.path() / "deploy/link.yaml");
  fs::create_directory_symlink(repository.path() / "deploy", repository.path() / "loop");
  std::vector<Diagnostic> diagnostics;
  auto files = sp::manifest::discover_manifest_files(repository.root(), {}, diagnostics);
  CHECK(files == std::vector<std::string>{"deploy/app.yaml"});
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].message ==
        "skipped symlink \"deploy/link.yaml\": its target is outside the repository root");
}

TEST_CASE("Explicit paths narrow the walk", "[manifest]") {
  TempRepository repository;
  repository.write("deploy/a.yaml");
  repository.write("other/b.yaml");
  repository.write("other/c.conf");
  std::vector<Diagnostic> diagnostics;
  auto files = sp::manifest::discover_manifest_files(
      repository.root(), {"deploy", "other/c.conf", "missing"}, diagnostics);
  CHECK(files == std::vector<std::string>{"deploy/a.yaml", "other/c.conf"});
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].message ==
        "manifest path \"missing\" not found under the repository root; check the path argument");
}

TEST_CASE("Absolute and dotted paths are normalised", "[manifest]") {
  TempRepository repository;
  repository.write("deploy/a.yaml");
  std::vector<Diagnostic> diagnostics;
  auto files = sp::manifest::discover_manifest_files(
      repository.root(), {(repository.path() / "deploy").string(), "deploy/../deploy/a.yaml"},
      diagnostics);
  CHECK(files == std::vector<std::string>{"deploy/a.yaml"});
  CHECK(diagnostics.empty());
}

TEST_CASE("Paths outside the root are errors", "[manifest]") {
  TempRepository repository;
  TempRepository elsewhere;
  elsewhere.write("outside.yaml");
  std::vector<Diagnostic> diagnostics;
  std::string outside = (elsewhere.path() / "outside.yaml").string();
  auto files =
      sp::manifest::discover_manifest_files(repository.root(), {outside, "../x.yaml"}, diagnostics);
  CHECK(files.empty());
  REQUIRE(diagnostics.size() == 2);
  CHECK(diagnostics[0].severity == Diagnostic::Severity::kError);
  CHECK(diagnostics[0].message == "manifest path \"" + outside +
                                      "\" is outside the repository root \"" + repository.root() +
                                      "\"; give a path inside it, or set --root");
  CHECK(diagnostics[1].location.file == "../x.yaml");
}

TEST_CASE("Missing root is an error", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  auto files = sp::manifest::discover_manifest_files("/nonexistent-sp-root", {}, diagnostics);
  CHECK(files.empty());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].severity == Diagnostic::Severity::kError);
  CHECK(diagnostics[0].message ==
        "repository root \"/nonexistent-sp-root\" is not a folder; set --root to the checkout");
}

TEST_CASE("Symlink loops and FIFOs are skipped", "[manifest]") {
  TempRepository repository;
  repository.write("deploy/a.yaml");
  fs::create_symlink("loop1.yaml", repository.path() / "deploy/loop2.yaml");
  fs::create_symlink("loop2.yaml", repository.path() / "deploy/loop1.yaml");
  REQUIRE(::mkfifo((repository.path() / "deploy/fifo.yaml").c_str(), 0600) == 0);
  std::vector<Diagnostic> diagnostics;
  auto files = sp::manifest::discover_manifest_files(repository.root(), {}, diagnostics);
  CHECK(files == std::vector<std::string>{"deploy/a.yaml"});
  for (const auto& diagnostic : diagnostics)
    CHECK(diagnostic.severity == Diagnostic::Severity::kWarning);

  diagnostics.clear();
  files = sp::manifest::discover_manifest_files(
      repository.root(), {"deploy/fifo.yaml", "deploy/loop1.yaml"}, diagnostics);
  CHECK(files.empty());
  REQUIRE(diagnostics.size() == 2);
  CHECK(diagnostics[0].message == "skipped \"deploy/fifo.yaml\": not a regular file");
  INFO(diagnostics[1].message);
  CHECK(diagnostics[1].message.starts_with("skipped \"deploy/loop1.yaml\": "));
}

TEST_CASE("Dangling and escaping symlinks warn", "[manifest]") {
  TempRepository repository;
  TempRepository elsewhere;
  repository.write("deploy/a.yaml");
  elsewhere.write("secret.yaml");
  fs::create_symlink("missing.yaml", repository.path() / "deploy/dangling.yaml");
  fs::create_symlink("notes.txt", repository.path() / "deploy/dangling.txt");
  // Each hop stays inside the root except the last.
  fs::create_symlink(elsewhere.path() / "secret.yaml", repository.path() / "deploy/hop2.yaml");
  fs::create_symlink("hop2.yaml", repository.path() / "deploy/hop1.yaml");
  fs::create_directory_symlink(elsewhere.path(), repository.path() / "outside");
  std::vector<Diagnostic> diagnostics;
  auto files = sp::manifest::discover_manifest_files(repository.root(), {}, diagnostics);
  CHECK(files == std::vector<std::string>{"deploy/a.yaml"});
  REQUIRE(diagnostics.size() == 3);
  CHECK(diagnostics[0].message ==
        "skipped symlink \"deploy/dangling.yaml\": No such file or directory");
  CHECK(diagnostics[1].message ==
        "skipped symlink \"deploy/hop1.yaml\": its target is outside the repository root");
  CHECK(diagnostics[2].message ==
        "skipped symlink \"deploy/hop2.yaml\": its target is outside the repository root");

  diagnostics.clear();
  files = sp::manifest::discover_manifest_files(repository.root(), {"outside/secret.yaml"},
                                                diagnostics);
  CHECK(files.empty());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].severity == Diagnostic::Severity::kError);
  CHECK(diagnostics[0].message.starts_with(
      "manifest path \"outside/secret.yaml\" is outside the repository root"));
}
