// Changed-only runs (`--changed-since REF`): the files a pull request changed,
// and the permission edges that depend on them.
#pragma once

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/model.h"

namespace sp::app {

class ChangedFilesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Returns the files under `root` that changed between the merge base of
/// `ref` and HEAD, relative to `root`, from `git diff --name-only
/// --no-renames --relative REF...HEAD`. Deleted files are included, and a
/// renamed file counts under its old and its new name. Uncommitted changes
/// are not. Runs git directly, with no shell. Throws ChangedFilesError when
/// `ref` is empty or starts with '-', when git is not installed, or when git
/// fails (an unknown ref, no merge base in a shallow clone, not a git
/// repository), with git's own message.
std::vector<std::string> list_changed_files(const std::string& root, const std::string& ref);

/// Returns true when the reference's file or the file of any step of the
/// identity chain (ServiceAccount, SecretStore, SecretProviderClass,
/// workload) is in `changed`.
bool depends_on_changed_file(const PermissionEdge& edge, const std::set<std::string>& changed);

/// The edges a changed-only run checks.
struct ChangedSelection {
  std::vector<PermissionEdge> edges;
  /// True when the config file changed, so that every edge is kept.
  bool config_changed = false;
  size_t skipped_edges = 0;
};

/// Keeps the unresolved edges and the edges that depend on a changed file,
/// or every edge when `config_path` (relative to the root, as `changed` is)
/// is among the changed files.
ChangedSelection select_changed_edges(const std::vector<PermissionEdge>& edges,
                                      const std::vector<std::string>& changed,
                                      const std::string& config_path);

}  // namespace sp::app
