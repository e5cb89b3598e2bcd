// Command-line options of `check`, `plan` and `merge`, after parsing. Under
// GitHub Actions every option may also come from the action's INPUT_<NAME>
// variable; an explicit argument wins.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sp::app {

struct Options {
  std::string command;  // check | plan | merge
  std::string root = ".";
  std::string config_path = ".github/secret-preflight.yml";
  /// Set when --config was given: a missing file is then an error rather
  /// than "no config".
  bool config_explicit = false;
  /// Manifest files or folders for check and plan; shard reports or folders
  /// holding them for merge.
  std::vector<std::string> paths;
  std::string report_path;
  std::string format = "text";  // plan: text | json
  std::string fail_on;
  std::string warn_on;
  std::string ca_bundle;
  std::string token_file;
  std::string token_env;
  std::string audience;
  std::string log_level = "info";
  std::string sarif_path;
  std::string github_token;
  std::string pr_comment = "on-failure";       // off | on-failure | always
  std::string pr_comment_on_pass = "resolve";  // resolve | delete
  bool check_run = false;
  /// The check-run action input as given, validated in cli.cpp.
  std::string check_run_input;
  std::string on_missing_token = "plan";  // plan | fail
  /// --shard as given ("I/N"), and its parsed parts; shard_count is 0 when
  /// the run covers the whole plan.
  std::string shard;
  int shard_index = 0;
  int shard_count = 0;
  /// --changed-since: a git revision; empty checks every edge.
  std::string changed_since;
  /// merge --allow-partial, and the allow-partial action input as given.
  bool allow_partial = false;
  std::string allow_partial_input;
  int concurrency = 16;
  int max_attempts = 3;
  double deadline_seconds = 0;
  /// --max-file-size as given, and in bytes once cli.cpp has parsed it.
  std::string max_file_size = "64M";
  std::uintmax_t max_file_size_bytes = std::uintmax_t{64} << 20;
  double request_timeout_seconds = 30;
};

}  // namespace sp::app
