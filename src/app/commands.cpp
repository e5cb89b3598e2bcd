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
#include "report/github_api.h"
#include "report/github_context.h"
#include "report/json_report.h"
#include "report/run.h"
#include "report/sarif.h"
#include "report/text_report.h"
#include "resolve/resolve.h"
#include "util/http.h"
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

// Returns the link to this run's page, where the job summary is.
std::string run_url() {
  const char* server = std::getenv("GITHUB_SERVER_URL");
  const char* repository = std::getenv("GITHUB_REPOSITORY");
  const char* run_id = std::getenv("GITHUB_RUN_ID");
  if (server == nullptr || repository == nullptr || run_id == nullptr) return "";
  return std::string(server) + "/" + repository + "/actions/runs/" + run_id;
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
  try {
    if (!options.sarif_path.empty()) report::write_sarif(options.sarif_path, run, gate);
  } catch (const std::exception& error) {
    log::error(std::string("writing the SARIF file failed: ") + error.what());
    written = false;
  }
  if (options.command == "plan" && options.format == "json")
    std::cout << report::github::escape_legacy_commands_in_json(report::render_json_report(run));
  else if (run.mode == "plan")
    report::write_plan_text(std::cout, run, text_options());
  else
    report::write_text_report(std::cout, run, gate, text_options());
  if (report::github::running_in_github_actions()) {
    try {
      report::github::AnnotationOptions annotations;
      annotations.report_path = options.report_path;
      report::github::write_annotations(std::cout, run, gate, annotations);
      // The summary repeats the log's note on annotations GitHub would not show.
      report::RunReport summarised = run;
      for (std::string& notice :
           report::github::annotation_overflow_notices(run, gate, annotations))
        summarised.notices.push_back(std::move(notice));
      report::github::write_step_summary(summarised, gate, options.report_path);
      report::github::write_outputs(run, options.report_path, options.sarif_path);
    } catch (const std::exception& error) {
      log::error(std::string("writing the GitHub job summary or outputs failed: ") +
                 error.what());
      written = false;
    }
  }
  std::cout.flush();
  return written;
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

github::EventContext read_context(const Options& options) {
  std::string problem;
  github::EventContext context = github::read_event_context(options.github_token, &problem);
  if (!problem.empty() && github::running_in_github_actions()) log::warning(problem);
  return context;
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

// PR-only channels have nothing to post to on push, release,
// workflow_dispatch and merge_group runs, so the summary notes the skip.
void add_skipped_channel_notices(const Options& options, const github::EventContext& context,
                                 report::RunReport& run) {
  if (!github::running_in_github_actions() || context.pull_request) return;
  if (options.pr_comment != "off")
    run.notices.push_back("no pull request comment: the " +
                          (context.event_name.empty() ? std::string("run")
                                                      : context.event_name + " event") +
                          " has no pull request; annotations, the summary and the report carry "
                          "the results");
}

github::CommentOptions comment_options(const Options& options) {
  github::CommentOptions comment;
  if (options.pr_comment == "off") comment.mode = github::CommentMode::kOff;
  else if (options.pr_comment == "always") comment.mode = github::CommentMode::kAlways;
  else comment.mode = github::CommentMode::kOnFailure;
  comment.on_pass = options.pr_comment_on_pass == "delete" ? github::CommentOnPass::kDelete
                                                           : github::CommentOnPass::kResolve;
  comment.report_path = options.report_path;
  comment.run_url = run_url();
  return comment;
}

// The sticky comment and the check run, where the run has a pull request
// and a token for them. A failure is logged and never changes the verdicts.
void publish_pull_request_channels(const Options& options, const github::EventContext& context,
                                   const report::RunReport& run, const report::Gate& gate) {
  if (!github::running_in_github_actions()) return;
  bool comment = options.pr_comment != "off" && context.pull_request.has_value();
  if (!comment && !options.check_run) return;
  http::TransportOptions transport_options;
  transport_options.ca_bundle = http::resolve_ca_bundle(options.ca_bundle);
  transport_options.max_connections = 2;
  transport_options.request_timeout =
      std::chrono::milliseconds(static_cast<long long>(options.request_timeout_seconds * 1000));
  std::unique_ptr<http::HttpTransport> transport = http::make_curl_transport(transport_options);
  if (comment) {
    std::string outcome =
        github::publish_comment(*transport, context, run, gate, comment_options(options));
    if (!outcome.empty()) log::info(outcome);
  }
  if (options.check_run) {
    github::CheckRunOptions check_run;
    check_run.details_url = run_url();
    log::info(github::publish_check_run(*transport, context, run, gate, check_run));
  }
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
  run.passed_gate = report::passes(gate, report::probed_results(run));
  add_skipped_channel_notices(options, context, run);
  run.finished_at = report::now_utc();
  bool written = write_channels(run, gate, options);
  publish_pull_request_channels(options, context, run, gate);
  int status = report::exit_status(gate, run);
  if (!written && status == 0) status = kInputError;
  return status;
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
