// `secret-preflight merge`: the last job of a sharded matrix.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/publish.h"
#include "report/json_report.h"
#include "report/merge.h"
#include "util/log.h"

namespace sp::app {
namespace {

namespace fs = std::filesystem;

constexpr int kInputError = 2;

bool same_file(const fs::path& a, const std::string& b) {
  std::error_code error;
  return !b.empty() && fs::equivalent(a, b, error);
}

report::ReportError output_is_input(const std::string& output_path) {
  return report::ReportError("the output report \"" + output_path +
                             "\" is also a shard report to merge; write --report outside the shard reports");
}

// Returns whether the file at `path` is the merged report of an earlier run,
// which a rerun into the download folder may find among the shard reports.
bool is_merged_report(const fs::path& path) {
  try {
    return !report::read_report(path.string()).shard.has_value();
  } catch (const report::ReportError&) {
    return false;
  }
}

// Lists the report files that `arguments` name: each file as given, and the
// .json files under each folder in path order. An earlier merged report at
// the output path is skipped, so a rerun into the download folder does not
// read its own output. Throws report::ReportError for a path that does not
// exist, a folder without reports, or an output path that is a shard report,
// which the merge would otherwise leave out and then overwrite.
std::vector<std::string> list_report_files(const std::vector<std::string>& arguments,
                                           const std::string& output_path) {
  std::vector<std::string> files;
  for (const std::string& argument : arguments) {
    std::error_code error;
    if (fs::is_regular_file(argument, error)) {
      if (same_file(argument, output_path)) throw output_is_input(output_path);
      files.push_back(argument);
      continue;
    }
    if (!fs::is_directory(argument, error))
      throw report::ReportError("shard report \"" + argument +
                                "\" not found; give report files or folders that hold them");
    std::vector<std::string> found;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(argument)) {
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      if (same_file(entry.path(), output_path)) {
        if (is_merged_report(entry.path())) continue;
        throw output_is_input(output_path);
      }
      found.push_back(entry.path().string());
    }
    if (found.empty())
      throw report::ReportError("folder \"" + argument + "\" contains no .json shard reports");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

}  // namespace

int run_merge(const Options& options) {
  report::Gate gate;
  try {
    gate = make_gate(options);
  } catch (const std::invalid_argument& error) {
    log::error(error.what());
    return kInputError;
  }
  report::github::EventContext context = read_context(options);

  // Read every shard report and combine them into the report of the plan.
  report::RunReport run;
  try {
    std::vector<report::ShardReport> reports;
    for (const std::string& file : list_report_files(options.paths, options.report_path))
      reports.push_back({file, report::read_report(file)});
    run = report::merge_shard_reports(reports, {options.allow_partial});
    log::info("merged " + std::to_string(run.merge->merged_shards.size()) + " of " +
              std::to_string(run.merge->shard_count) + " shard reports: " +
              std::to_string(run.results.size()) + " permission edges");
  } catch (const report::ReportError& error) {
    log::error(error.what());
    return kInputError;
  } catch (const fs::filesystem_error& error) {
    log::error(std::string("listing the shard reports failed: ") + error.what());
    return kInputError;
  }
  if (!run.merge->missing_shards.empty())
    log::warning(run.notices.back() + " (--allow-partial)");

  // Input errors found by the shards, then the gate and every channel.
  report::write_diagnostics(std::cerr, run.diagnostics, text_options());
  return publish_run(run, gate, options, context);
}

}  // namespace sp::app
