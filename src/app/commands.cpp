#include "app/commands.h"

#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include "config/config.h"
#include "plan/plan.h"
#include "probe/prober.h"
#include "report/gate.h"
#include "report/github.h"
#include "report/json_report.h"
#include "report/run.h"
#include "report/text_report.h"
#include "resolve/resolve.h"
#include "util/log.h"

namespace sp::app {
namespace {

constexpr int kInputError = 2;

std::string plural(size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// The manifests as edges: config, discovery, loading and resolution. Input
// problems land in `run.diagnostics`.
std::vector<PermissionEdge> load_plan(const Options& options, const config::Config& config,
                                      report::RunReport& run) {
  resolve::ResolveResult resolved =
      resolve::resolve_repository(options.root, options.paths, config);
  run.diagnostics.insert(run.diagnostics.end(), resolved.diagnostics.begin(),
                         resolved.diagnostics.end());
  std::vector<PermissionEdge> edges = plan::build_plan(std::move(resolved.edges));
  log::info("read " + plural(resolved.manifest_files, "manifest file") + ": " +
            plural(edges.size(), "permission edge"));
  return edges;
}

// Reads the config file. An explicitly named file that does not exist is an
// input error; the default path may be absent.
config::Config read_config(const Options& options, std::vector<Diagnostic>& diagnostics) {
  std::filesystem::path path = std::filesystem::path(options.root) / options.config_path;
  std::error_code error;
  if (options.config_explicit && !std::filesystem::is_regular_file(path, error)) {
    Diagnostic diagnostic;
    diagnostic.location.file = options.config_path;
    diagnostic.message = "config file \"" + options.config_path +
                         "\" not found under the repository root; check --config";
    diagnostics.push_back(std::move(diagnostic));
  }
  return config::load_config(options.root, options.config_path, diagnostics);
}

report::Gate make_gate(const Options& options) {
  report::Gate gate;
  if (!options.fail_on.empty()) gate.fail_on = report::parse_verdict_list(options.fail_on);
  if (!options.warn_on.empty()) gate.warn_on = report::parse_verdict_list(options.warn_on);
  return gate;
}

report::TextOptions text_options() {
  report::TextOptions text;
  text.colour = report::colour_enabled(STDOUT_FILENO);
  text.workflow_safe = report::github::running_in_github_actions();
  return text;
}

// Every channel reads the finished run; none calls a provider. Returns false
// when a channel could not be written.
bool write_channels(const report::RunReport& run, const report::Gate& gate,
                    const Options& options) {
  bool written = true;
  try {
    if (!options.report_path.empty()) report::write_json_report(options.report_path, run);
  } catch (const std::exception& error) {
    log::error(std::string("writing the report failed: ") + error.what());
    written = false;
  }
  report::write_text_report(std::cout, run, gate, text_options());
  if (report::github::running_in_github_actions()) {
    try {
      report::github::AnnotationOptions annotations;
      annotations.report_path = options.report_path;
      report::github::write_annotations(std::cout, run, gate, annotations);
      report::github::write_step_summary(run, gate, options.report_path);
      report::github::write_outputs(run, options.report_path);
    } catch (const std::exception& error) {
      log::error(std::string("writing the GitHub job summary or outputs failed: ") +
                 error.what());
      written = false;
    }
  }
  std::cout.flush();
  return written;
}

// A plan's results: unresolved edges say why, the others carry no verdict
// (the JSON report leaves it out for plans).
std::vector<EdgeResult> plan_results(const std::vector<PermissionEdge>& edges) {
  std::vector<EdgeResult> results;
  for (const PermissionEdge& edge : edges) {
    EdgeResult result;
    result.edge = edge;
    if (!edge.unresolved_reason.empty()) {
      result.verdict = Verdict::kUnresolved;
      result.message = edge.unresolved_reason;
    } else {
      result.verdict = Verdict::kInconclusive;
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace

int run_check(const Options& options) {
  report::RunReport run;
  run.mode = "check";
  run.started_at = report::now_utc();

  report::Gate gate;
  try {
    gate = make_gate(options);
  } catch (const std::invalid_argument& error) {
    log::error(error.what());
    return kInputError;
  }

  // Load the config file: regions, associations and ignores.
  config::Config config = read_config(options, run.diagnostics);
  // Load and resolve the manifests into the plan.
  std::vector<PermissionEdge> edges = load_plan(options, config, run);

  report::write_diagnostics(std::cerr, run.diagnostics, text_options());
  if (report::has_errors(run.diagnostics))
    log::error("the input errors above remain; the other manifests are still checked, and the exit "
               "status will be 2 until the errors are fixed");

  // Become each runtime identity and probe its edges.
  probe::ProbeOptions probe_options;
  probe_options.ca_bundle = options.ca_bundle;
  probe_options.concurrency = options.concurrency;
  probe_options.max_attempts = options.max_attempts;
  probe_options.deadline_seconds = options.deadline_seconds;
  probe_options.token_file = options.token_file;
  probe_options.token_env = options.token_env;
  probe_options.audience = !options.audience.empty() ? options.audience : config.aws.audience;
  probe_options.config = &config;
  run.results = probe::probe_edges(edges, probe_options);

  // Apply ignores and the gate, then report through every channel.
  for (std::string& notice : report::apply_ignores(run.results, config.ignores,
                                                   report::today_utc()))
    run.notices.push_back(std::move(notice));
  run.passed_gate = report::passes(gate, run.results);
  run.finished_at = report::now_utc();
  bool written = write_channels(run, gate, options);
  int status = report::exit_status(gate, run);
  if (!written && status == 0) status = kInputError;
  return status;
}

int run_plan(const Options& options) {
  report::RunReport run;
  run.mode = "plan";
  run.started_at = report::now_utc();

  config::Config config = read_config(options, run.diagnostics);
  std::vector<PermissionEdge> edges = load_plan(options, config, run);
  run.results = plan_results(edges);
  run.finished_at = report::now_utc();

  report::write_diagnostics(std::cerr, run.diagnostics, text_options());
  if (!options.report_path.empty()) {
    try {
      report::write_json_report(options.report_path, run);
    } catch (const std::exception& error) {
      log::error(std::string("writing the report failed: ") + error.what());
      return kInputError;
    }
  }
  if (options.format == "json") {
    std::cout << report::render_json_report(run);
  } else {
    report::write_plan_text(std::cout, run, text_options());
  }
  return report::has_errors(run.diagnostics) ? kInputError : 0;
}

}  // namespace sp::app
