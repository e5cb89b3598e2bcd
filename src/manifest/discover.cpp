#include "manifest/discover.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>

namespace sp::manifest {
namespace fs = std::filesystem;
namespace {

constexpr std::array<std::string_view, 8> kSkippedFolders = {
    ".git", ".hg", ".svn", "node_modules", ".terraform", "build", "dist-newstyle", ".cache"};
constexpr std::array<std::string_view, 2> kSkippedFolderPrefixes = {"build-", "cmake-build-"};

bool is_skipped_folder(const std::string& name) {
  for (auto skipped : kSkippedFolders)
    if (name == skipped) return true;
  for (auto prefix : kSkippedFolderPrefixes)
    if (name.starts_with(prefix)) return true;
  return false;
}

bool has_manifest_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

bool is_inside(const fs::path& canonical_root, const fs::path& path) {
  std::error_code error;
  fs::path target = fs::weakly_canonical(path, error);
  // A symlink loop cannot be resolved; judge such a path by its own name.
  if (error) target = fs::absolute(path).lexically_normal();
  auto mismatch =
      std::mismatch(canonical_root.begin(), canonical_root.end(), target.begin(), target.end());
  return mismatch.first == canonical_root.end();
}

class Walker {
 public:
  Walker(const fs::path& root, std::vector<Diagnostic>& diagnostics)
      : root_(root), diagnostics_(diagnostics) {
    std::error_code error;
    canonical_root_ = fs::weakly_canonical(root, error);
    if (error) canonical_root_ = fs::absolute(root).lexically_normal();
  }

  const fs::path& canonical_root() const { return canonical_root_; }

  // Every filesystem query passes an error_code: a symlink loop or an
  // unreadable entry becomes a warning instead of an exception.
  void add_file(const fs::path& path) {
    std::error_code error;
    if (fs::is_symlink(path, error) && !is_inside(canonical_root_, path)) {
      warn(path,
           "skipped symlink \"" + relative(path) + "\": its target is outside the repository root");
      return;
    }
    fs::file_status status = fs::status(path, error);
    if (error) {
      warn(path, "skipped \"" + relative(path) + "\": " + error.message());
      return;
    }
    if (!fs::is_regular_file(status)) {
      warn(path, "skipped \"" + relative(path) + "\": not a regular file");
      return;
    }
    files_.insert(relative(path));
  }

  void walk_folder(const fs::path& folder) {
    if (is_helm_chart(folder)) {
      warn(folder / "Chart.yaml",
           "skipped unrendered Helm chart \"" + relative(folder) +
               "\": its templates are not YAML; render them with `helm template` and scan "
               "the output");
    }
    std::vector<fs::directory_entry> entries;
    std::error_code error;
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error))
      entries.push_back(*it);
    if (error)
      warn(folder, "could not read folder \"" + relative(folder) + "\": " + error.message());
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) visit(entry, folder);
  }

  std::vector<std::string> files() const { return {files_.begin(), files_.end()}; }

  std::string relative(const fs::path& path) const {
    return path.lexically_relative(root_).generic_string();
  }

 private:
  void visit(const fs::directory_entry& entry, const fs::path& folder) {
    std::string name = entry.path().filename().string();
    std::error_code error;
    if (entry.is_symlink(error)) {
      // Symlinked folders are not followed: their targets inside the root are
      // walked on their own, and following them could loop.
      bool folder = entry.is_directory(error);
      if (folder || !has_manifest_extension(entry.path())) return;
      if (error) {
        // A dangling symlink or a loop.
        warn(entry.path(),
             "skipped symlink \"" + relative(entry.path()) + "\": " + error.message());
        return;
      }
      add_file(entry.path());
      return;
    }
    if (entry.is_directory(error)) {
      if (is_skipped_folder(name)) return;
      if (name == "templates" && is_helm_chart(folder)) return;
      walk_folder(entry.path());
      return;
    }
    // FIFOs, sockets and devices are skipped: reading one could block forever.
    if (entry.is_regular_file(error) && has_manifest_extension(entry.path()))
      add_file(entry.path());
  }

  static bool is_helm_chart(const fs::path& folder) {
    std::error_code error;
    return fs::is_regular_file(folder / "Chart.yaml", error) &&
           fs::is_directory(folder / "templates", error);
  }

  void warn(const fs::path& path, std::string message) {
    Diagnostic diagnostic;
    diagnostic.severity = Diagnostic::Severity::kWarning;
    diagnostic.location.file = relative(path);
    diagnostic.message = std::move(message);
    diagnostics_.push_back(std::move(diagnostic));
  }

  fs::path root_;
  fs::path canonical_root_;
  std::vector<Diagnostic>& diagnostics_;
  std::set<std::string> files_;
};

void add_error(std::vector<Diagnostic>& diagnostics, const std::string& file, std::string message) {
  Diagnostic diagnostic;
  diagnostic.location.file = file;
  diagnostic.message = std::move(message);
  diagnostics.push_back(std::move(diagnostic));
}

// Resolves a path argument, relative to the root or absolute, to a path
// inside the root without `..` steps. Returns nullopt, after an error
// diagnostic, for a path that leaves the root.
std::optional<fs::path> path_inside_root(const Walker& walker, const fs::path& root,
                                         const std::string& argument,
                                         std::vector<Diagnostic>& diagnostics) {
  fs::path given(argument);
  fs::path full = given.is_absolute() ? given : root / given;
  std::error_code error;
  fs::path canonical = fs::weakly_canonical(full, error);
  if (error) canonical = fs::absolute(full).lexically_normal();
  if (!is_inside(walker.canonical_root(), canonical)) {
    add_error(diagnostics, argument,
              "manifest path \"" + argument + "\" is outside the repository root \"" +
                  root.string() + "\"; give a path inside it, or set --root");
    return std::nullopt;
  }
  return walker.canonical_root() / canonical.lexically_relative(walker.canonical_root());
}

}  // namespace

std::vector<std::string> discover_manifest_files(const std::string& root,
                                                 const std::vector<std::string>& paths,
                                                 std::vector<Diagnostic>& diagnostics) {
  std::error_code error;
  if (!fs::is_directory(root, error)) {
    add_error(diagnostics, "",
              "repository root \"" + root + "\" is not a folder; set --root to the checkout");
    return {};
  }
  Walker walker(root, diagnostics);
  if (paths.empty()) {
    walker.walk_folder(root);
    return walker.files();
  }
  for (const auto& path : paths) {
    std::optional<fs::path> inside = path_inside_root(walker, root, path, diagnostics);
    if (!inside) continue;
    // Walked from the canonical root, so reported paths carry no `..` steps.
    fs::path full = fs::path(root) / inside->lexically_relative(walker.canonical_root());
    if (fs::is_directory(full, error)) {
      walker.walk_folder(full.lexically_normal());
    } else if (fs::exists(fs::symlink_status(full, error))) {
      walker.add_file(full.lexically_normal());
    } else {
      add_error(diagnostics, path,
                "manifest path \"" + path +
                    "\" not found under the repository root; check the path argument");
    }
  }
  return walker.files();
}

}  // namespace sp::manifest
