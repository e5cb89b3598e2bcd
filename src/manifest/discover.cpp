#include "manifest/discover.h"

#include <algorithm>
#include <array>
#include <filesystem>
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
  if (error) return false;
  auto mismatch =
      std::mismatch(canonical_root.begin(), canonical_root.end(), target.begin(), target.end());
  return mismatch.first == canonical_root.end();
}

class Walker {
 public:
  Walker(const fs::path& root, std::vector<Diagnostic>& diagnostics)
      : root_(root), canonical_root_(fs::weakly_canonical(root)), diagnostics_(diagnostics) {}

  void add_file(const fs::path& path) {
    if (fs::is_symlink(path) && !is_inside(canonical_root_, path)) {
      warn(path,
           "skipped symlink \"" + relative(path) + "\": its target is outside the repository root");
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
    for (const auto& entry : fs::directory_iterator(folder, error)) entries.push_back(entry);
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) visit(entry, folder);
  }

  std::vector<std::string> files() const { return {files_.begin(), files_.end()}; }

 private:
  void visit(const fs::directory_entry& entry, const fs::path& folder) {
    std::string name = entry.path().filename().string();
    if (entry.is_symlink()) {
      // Symlinked folders are not followed: their targets inside the root are
      // walked on their own, and following them could loop.
      if (entry.is_directory()) return;
      if (entry.is_regular_file() && has_manifest_extension(entry.path())) add_file(entry.path());
      return;
    }
    if (entry.is_directory()) {
      if (is_skipped_folder(name)) return;
      if (name == "templates" && is_helm_chart(folder)) return;
      walk_folder(entry.path());
      return;
    }
    if (entry.is_regular_file() && has_manifest_extension(entry.path())) add_file(entry.path());
  }

  static bool is_helm_chart(const fs::path& folder) {
    return fs::is_regular_file(folder / "Chart.yaml") && fs::is_directory(folder / "templates");
  }

  std::string relative(const fs::path& path) const {
    return path.lexically_relative(root_).generic_string();
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

}  // namespace

std::vector<std::string> discover_manifest_files(const std::string& root,
                                                 const std::vector<std::string>& paths,
                                                 std::vector<Diagnostic>& diagnostics) {
  Walker walker(root, diagnostics);
  if (paths.empty()) {
    walker.walk_folder(root);
    return walker.files();
  }
  for (const auto& path : paths) {
    fs::path full = fs::path(root) / path;
    if (fs::is_directory(full)) {
      walker.walk_folder(full);
    } else if (fs::exists(full)) {
      walker.add_file(full);
    } else {
      Diagnostic diagnostic;
      diagnostic.location.file = path;
      diagnostic.message = "manifest path \"" + path +
                           "\" not found under the repository root; check the path argument";
      diagnostics.push_back(std::move(diagnostic));
    }
  }
  return walker.files();
}

}  // namespace sp::manifest
