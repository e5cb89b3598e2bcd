#include "app/changed_files.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using sp::PermissionEdge;
using sp::app::ChangedFilesError;

namespace fs = std::filesystem;

namespace {

PermissionEdge edge_in(const std::string& file, std::vector<std::string> chain_files = {}) {
  PermissionEdge edge;
  edge.reference.location = {file, 12, 9};
  edge.secret.id = "shop/" + file;
  edge.identity.principal = "arn:aws:iam::111122223333:role/api";
  for (const std::string& chain_file : chain_files)
    edge.identity.chain.push_back({"step in " + chain_file, {chain_file, 3, 0}});
  return edge;
}

std::vector<std::string> reference_files(const std::vector<PermissionEdge>& edges) {
  std::vector<std::string> files;
  for (const PermissionEdge& edge : edges) files.push_back(edge.reference.location.file);
  return files;
}

// A throwaway git repository under the temporary folder, removed at the end.
class GitRepository {
 public:
  GitRepository() {
    std::string pattern = (fs::temp_directory_path() / "changed-files-XXXXXX").string();
    root_ = ::mkdtemp(pattern.data());
    git("init -q -b main");
  }
  ~GitRepository() {
    std::error_code error;
    fs::remove_all(root_, error);
  }

  void write(const std::string& file, const std::string& text) {
    fs::create_directories((root_ / file).parent_path());
    std::ofstream(root_ / file) << text;
  }

  void git(const std::string& arguments) {
    std::string command = "git -C '" + root_.string() +
                          "' -c user.name=test -c user.email=test@example.com " + arguments +
                          " >/dev/null 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
  }

  std::string root() const { return root_.string(); }

 private:
  fs::path root_;
};

}  // namespace

TEST_CASE("Changed edges follow the reference file", "[app][changed]") {
  std::vector<PermissionEdge> edges = {edge_in("k8s/a.yaml"), edge_in("k8s/b.yaml")};
  auto selection = sp::app::select_changed_edges(edges, {"k8s/b.yaml"}, ".github/sp.yml");
  CHECK(reference_files(selection.edges) == std::vector<std::string>{"k8s/b.yaml"});
  CHECK(selection.skipped_edges == 1);
  CHECK_FALSE(selection.config_changed);
}

TEST_CASE("Changed edges follow the identity chain", "[app][changed]") {
  // A changed ServiceAccount or SecretStore selects the edges whose chain
  // passes through it, and only those.
  std::vector<PermissionEdge> edges = {
      edge_in("k8s/orders/spc.yaml", {"k8s/orders/deploy.yaml", "k8s/orders/sa.yaml"}),
      edge_in("k8s/billing/es.yaml", {"k8s/billing/store.yaml", "k8s/billing/sa.yaml"}),
      edge_in("deploy/ecs/api.json", {"deploy/ecs/api.json"}),
  };
  auto selection = sp::app::select_changed_edges(edges, {"k8s/billing/sa.yaml"}, "c.yml");
  CHECK(reference_files(selection.edges) == std::vector<std::string>{"k8s/billing/es.yaml"});
  CHECK(selection.skipped_edges == 2);

  selection = sp::app::select_changed_edges(edges, {"k8s/orders/deploy.yaml"}, "c.yml");
  CHECK(reference_files(selection.edges) == std::vector<std::string>{"k8s/orders/spc.yaml"});

  selection = sp::app::select_changed_edges(edges, {"README.md"}, "c.yml");
  CHECK(selection.edges.empty());
  CHECK(selection.skipped_edges == 3);
}

TEST_CASE("Changed config file keeps every edge", "[app][changed]") {
  std::vector<PermissionEdge> edges = {edge_in("k8s/a.yaml"), edge_in("k8s/b.yaml")};
  auto selection = sp::app::select_changed_edges(
      edges, {".github/secret-preflight.yml"}, "./.github/secret-preflight.yml");
  CHECK(selection.config_changed);
  CHECK(selection.edges.size() == 2);
  CHECK(selection.skipped_edges == 0);
}

TEST_CASE("Changed run keeps unresolved edges", "[app][changed]") {
  // The ServiceAccount's deletion left this edge without an identity, so no
  // changed file is in its chain any more.
  PermissionEdge orphan = edge_in("k8s/billing.yaml");
  orphan.unresolved_reason = "ServiceAccount shop/billing is not in the scanned manifests";
  std::vector<PermissionEdge> edges = {edge_in("k8s/a.yaml"), orphan};
  auto selection = sp::app::select_changed_edges(edges, {"k8s/billing-sa.yaml"}, ".github/secret-preflight.yml");
  CHECK(reference_files(selection.edges) == std::vector<std::string>{"k8s/billing.yaml"});
  CHECK(selection.skipped_edges == 1);
}

TEST_CASE("Changed files come from git diff", "[app][changed]") {
  GitRepository repository;
  repository.write("k8s/sa.yaml", "kind: ServiceAccount\n");
  repository.write("k8s/old.yaml", "kind: Secret\n");
  repository.write("k8s/renamed.yaml", "kind: ConfigMap\n");
  repository.write("k8s/same.yaml", "kind: Deployment\n");
  repository.git("add -A");
  repository.git("commit -q -m base");
  repository.git("branch base");
  repository.write("k8s/sa.yaml", "kind: ServiceAccount\nmetadata: {}\n");
  repository.git("rm -q k8s/old.yaml");
  repository.git("mv k8s/renamed.yaml k8s/moved.yaml");
  repository.git("add -A");
  repository.git("commit -q -m change");

  std::vector<std::string> files = sp::app::list_changed_files(repository.root(), "base");
  std::sort(files.begin(), files.end());
  // A deletion counts, and a rename counts under both names.
  CHECK(files == std::vector<std::string>{"k8s/moved.yaml", "k8s/old.yaml", "k8s/renamed.yaml",
                                          "k8s/sa.yaml"});
}

TEST_CASE("Changed files are relative to a subfolder root", "[app][changed]") {
  GitRepository repository;
  repository.write("infra/k8s/sa.yaml", "a: 1\n");
  repository.write("docs/x.md", "x\n");
  repository.git("add -A");
  repository.git("commit -q -m base");
  repository.git("branch base");
  repository.write("infra/k8s/sa.yaml", "a: 2\n");
  repository.write("docs/x.md", "y\n");
  repository.git("commit -q -am change");
  std::vector<std::string> files =
      sp::app::list_changed_files(repository.root() + "/infra", "base");
  CHECK(files == std::vector<std::string>{"k8s/sa.yaml"});
}

TEST_CASE("Changed files reject an unknown revision", "[app][changed]") {
  GitRepository repository;
  repository.write("a.yaml", "a: 1\n");
  repository.git("add -A");
  repository.git("commit -q -m base");
  try {
    sp::app::list_changed_files(repository.root(), "no-such-branch");
    FAIL("an unknown revision was accepted");
  } catch (const ChangedFilesError& error) {
    std::string message = error.what();
    CHECK(message.starts_with("git diff no-such-branch...HEAD failed (exit status 128): fatal: "));
    CHECK(message.ends_with("; check that the revision exists in this clone (actions/checkout "
                            "needs fetch-depth: 0 or a fetch of the base branch)"));
  }
}

TEST_CASE("Changed files reject an option as revision", "[app][changed]") {
  try {
    sp::app::list_changed_files(".", "--output=/tmp/x");
    FAIL("a revision starting with '-' was accepted");
  } catch (const ChangedFilesError& error) {
    CHECK(std::string(error.what()) ==
          "invalid --changed-since '--output=/tmp/x': a git revision cannot start with '-'");
  }
}

TEST_CASE("Changed files report a missing git", "[app][changed]") {
  const char* saved = std::getenv("PATH");
  std::string path = saved ? saved : "";
  ::setenv("PATH", "/nonexistent", 1);
  std::string message;
  try {
    sp::app::list_changed_files(".", "main");
  } catch (const ChangedFilesError& error) {
    message = error.what();
  }
  ::setenv("PATH", path.c_str(), 1);
  CHECK(message ==
        "git is not installed or not on PATH; install git, or run without --changed-since to "
        "check every edge");
}
