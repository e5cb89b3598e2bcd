#include "app/publish.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "report/github.h"
#include "report/github_api.h"
#include "report/json_report.h"
#include "report/sarif.h"
#include "util/http.h"
#include "util/log.h"

namespace sp::app {
namespace {

namespace github = report::github;

constexpr int kInputError = 2;

// Returns the link to this run's page, where the job summary is.
std::string run_url() {
  const char* server = std::getenv("GITHUB_SERVER_URL");
  const char* repository = std::getenv("GITHUB_REPOSITORY");
  const char* run_id = std::getenv("GITHUB_RUN_ID");
  if (server == nullptr || repository == nullptr || run_id == nullptr) return "";
  return std::string(server) + "/" + repository + "/actions/runs/" + run_id;
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

github::EventContext read_context(const Options& options) {
  std::string problem;
  github::EventContext context = github::read_event_context(options.github_token, &problem);
  if (!problem.empty() && github::running_in_github_actions()) log::warning(problem);
  return context;
}

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
      // The runner reads workflow commands from stderr too, so plan's JSON on
      // stdout stays one document that a step can redirect to a file.
      const bool json_on_stdout = options.command == "plan" && options.format == "json";
      report::github::write_annotations(json_on_stdout ? std::cerr : std::cout, run, gate, annotations);
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

int publish_run(report::RunReport& run, const report::Gate& gate, const Options& options,
                const github::EventContext& context) {
  run.passed_gate = report::passes(gate, report::probed_results(run));
  add_skipped_channel_notices(options, context, run);
  bool written = write_channels(run, gate, options);
  publish_pull_request_channels(options, context, run, gate);
  int status = report::exit_status(gate, run);
  if (!written && status == 0) status = kInputError;
  return status;
}

}  // namespace sp::app
