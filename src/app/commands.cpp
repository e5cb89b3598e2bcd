#include "app/commands.h"

#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include "app/changed_files.h"
#include "app/publish.h"
#include "config/config.h"
#include "plan/plan.h"
#include "plan/shard.h"
#include "probe/prober.h"
#include "report/gate.h"
#include "report/github.h"
#include "report/github_context.h"
#include "report/merge.h"
#include "report/run.h"
#include "report/text_report.h"
#include "resolve/resolve.h"
#include "util/log.h"

namespace sp::app {
namespace {

namespace github = report::github;

constexpr int kInputError = 2;

std::string plural(size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// The manifests as edges: config, discovery, loading and resolution. Input
// problems land in `run.diagnostics`.
std::vector<PermissionEdge> load_plan(const Options& options, const config::Config& config,
                                      report::RunReport& run) {
  manifest::LoadOptions load_options;
  load_options.max_file_size = options.max_file_size_bytes;
  resolve::ResolveResult resolved =
      resolve::resolve_repository(options.root, options.paths, config, load_options);
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

// Narrows the plan to the edges this run checks: with --changed-since, those
// that depend on a changed file, and with --shard, this shard's part of
// those. Records both in `run`. Returns false after logging the error when
// git fails.
bool narrow_plan(const Options& options, std::vector<PermissionEdge>& edges,
                 report::RunReport& run) {
  if (!options.changed_since.empty()) {
    std::vector<std::string> changed;
    try {
      changed = list_changed_files(options.root, options.changed_since);
    } catch (const ChangedFilesError& error) {
      log::error(error.what());
      return false;
    }
    ChangedSelection selection = select_changed_edges(edges, changed, options.config_path);
    report::ChangedOnlyInfo info{options.changed_since, static_cast<int>(changed.size()),
                                 selection.config_changed, static_cast<int>(edges.size()),
                                 static_cast<int>(selection.skipped_edges)};
    log::info(plural(changed.size(), "file") + " changed since " + options.changed_since +
              ": checking " + std::to_string(selection.edges.size()) + " of " +
              plural(edges.size(), "permission edge"));
    run.notices.push_back(report::changed_only_notice(info));
    run.changed_only = std::move(info);
    edges = std::move(selection.edges);
  }
  if (options.shard_count > 0) {
    report::ShardInfo info{options.shard_index, options.shard_count,
                           static_cast<int>(edges.size()), plan::plan_digest(edges)};
    edges = plan::select_shard(edges, {options.shard_index, options.shard_count});
    log::info("shard " + std::to_string(info.index) + "/" + std::to_string(info.count) +
              ": checking " + std::to_string(edges.size()) + " of " +
              plural(info.plan_edges, "permission edge"));
    run.notices.push_back(report::shard_notice(info, edges.size()));
    run.shard = std::move(info);
  }
  return true;
}

// A plan's results: unresolved edges carry their reason as the message, and
// the others carry no verdict (the JSON report leaves it out for plans).
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

probe::ProbeOptions probe_options(const Options& options, const config::Config& config) {
  probe::ProbeOptions probe_options;
  probe_options.ca_bundle = options.ca_bundle;
  probe_options.concurrency = options.concurrency;
  probe_options.max_attempts = options.max_attempts;
  probe_options.deadline_seconds = options.deadline_seconds;
  probe_options.request_timeout_seconds = options.request_timeout_seconds;
  probe_options.token_file = options.token_file;
  probe_options.token_env = options.token_env;
  probe_options.audience = !options.audience.empty() ? options.audience : config.aws.audience;
  probe_options.config = &config;
  return probe_options;
}

// True when some source of a CI token exists: an explicit file or variable,
// GitHub's token endpoint, or the AWS SDK's web-identity token file.
bool ci_token_available(const Options& options) {
  const char* web_identity_file = std::getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
  return !options.token_file.empty() || !options.token_env.empty() ||
         github::oidc_token_offered() ||
         (web_identity_file != nullptr && *web_identity_file != '\0');
}

// Names why no token exists, in the words of the fix.
std::string missing_token_reason(const github::EventContext& context) {
  if (!github::running_in_github_actions())
    return "no CI token: pass --token-file or --token-env, or run in GitHub Actions with "
           "`permissions: id-token: write`";
  if (context.fork)
    return "this pull request comes from a fork" +
           (context.head_repository.empty() ? std::string()
                                            : " (" + context.head_repository + ")") +
           ", and GitHub issues no OIDC token to workflows of fork pull requests";
  return "GitHub issued no OIDC token: the job lacks `permissions: id-token: write`";
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
  github::EventContext context = read_context(options);

  // Load the config file: regions, associations and ignores.
  config::Config config = read_config(options, run.diagnostics);
  // Load and resolve the manifests into the plan.
  std::vector<PermissionEdge> edges = load_plan(options, config, run);
  // Keep the changed edges and this shard's part of them.
  if (!narrow_plan(options, edges, run)) return kInputError;

  report::write_diagnostics(std::cerr, run.diagnostics, text_options());
  if (report::has_errors(run.diagnostics))
    log::error("the input errors above remain; the other manifests are still checked, and the exit "
               "status will be 2 until the errors are fixed");

  if (!ci_token_available(options) && options.on_missing_token == "plan") {
    // No token, so nothing can be probed: report the plan instead.
    std::string reason = missing_token_reason(context);
    log::warning(reason + "; reporting the plan without probing (on-missing-token: plan)");
    run.mode = "plan";
    run.results = plan_results(edges);
    run.notices.push_back(reason + ". No edge was probed; this run only resolved the plan. Set "
                          "on-missing-token to fail to fail such runs instead.");
  } else {
    // Become each runtime identity and probe its edges.
    run.results = probe::probe_edges(edges, probe_options(options, config));
  }

  // Apply ignores and the gate, then report through every channel.
  for (std::string& notice : report::apply_ignores(run.results, config.ignores,
                                                   report::today_utc()))
    run.notices.push_back(std::move(notice));
  run.finished_at = report::now_utc();
  return publish_run(run, gate, options, context);
}

int run_plan(const Options& options) {
  report::RunReport run;
  run.mode = "plan";
  run.started_at = report::now_utc();

  report::Gate gate;
  try {
    gate = make_gate(options);
  } catch (const std::invalid_argument& error) {
    log::error(error.what());
    return kInputError;
  }
  config::Config config = read_config(options, run.diagnostics);
  std::vector<PermissionEdge> edges = load_plan(options, config, run);
  if (!narrow_plan(options, edges, run)) return kInputError;
  report::write_diagnostics(std::cerr, run.diagnostics, text_options());
  run.results = plan_results(edges);
  for (std::string& notice : report::apply_ignores(run.results, config.ignores,
                                                   report::today_utc()))
    run.notices.push_back(std::move(notice));
  // Only unresolved edges carry a verdict in a plan, so only they can fail.
  run.passed_gate = report::passes(gate, report::probed_results(run));
  run.finished_at = report::now_utc();
  bool written = write_channels(run, gate, options);
  int status = report::exit_status(gate, run);
  if (!written && status == 0) status = kInputError;
  return status;
}

}  // namespace sp::app
