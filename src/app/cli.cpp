#include "app/cli.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>

#include "app/commands.h"
#include "app/options.h"
#include "manifest/load.h"
#include "plan/shard.h"
#include "report/github.h"
#include "report/github_context.h"
#include "util/http.h"
#include "util/log.h"

namespace po = boost::program_options;

namespace sp::app {
namespace {

// Bounds of the probe options. Values past them overflow the clock
// arithmetic (a deadline of 1e10 s) or round to curl's "no timeout" (a
// request timeout under 1 ms), so they are rejected instead.
constexpr int kMaxConcurrency = 1024;
constexpr int kMaxAttempts = 100;
constexpr double kMaxDeadlineSeconds = 7 * 24 * 3600;
constexpr double kMinRequestTimeoutSeconds = 0.001;
constexpr double kMaxRequestTimeoutSeconds = 3600;

std::string format_number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// Returns a message naming the first probe option out of its bounds, or "".
std::string probe_limit_problem(const Options& options) {
  if (options.concurrency < 1 || options.concurrency > kMaxConcurrency)
    return "invalid --concurrency " + std::to_string(options.concurrency) + "; expected 1 to " +
           std::to_string(kMaxConcurrency);
  if (options.max_attempts < 1 || options.max_attempts > kMaxAttempts)
    return "invalid --max-attempts " + std::to_string(options.max_attempts) + "; expected 1 to " +
           std::to_string(kMaxAttempts);
  // The negated comparisons also reject NaN.
  if (!(options.deadline_seconds >= 0 && options.deadline_seconds <= kMaxDeadlineSeconds))
    return "invalid --deadline " + format_number(options.deadline_seconds) +
           "; expected seconds from 0 (no deadline) to " + format_number(kMaxDeadlineSeconds);
  if (!(options.request_timeout_seconds >= kMinRequestTimeoutSeconds &&
        options.request_timeout_seconds <= kMaxRequestTimeoutSeconds))
    return "invalid --request-timeout " + format_number(options.request_timeout_seconds) +
           "; expected seconds from " + format_number(kMinRequestTimeoutSeconds) + " to " +
           format_number(kMaxRequestTimeoutSeconds);
  return "";
}

constexpr int kUsageError = 2;

constexpr const char* kUsage =
    "usage: secret-preflight <command> [options] [PATH...]\n"
    "\n"
    "commands:\n"
    "  check   resolve every secret reference, become each runtime identity and probe it\n"
    "  plan    print every permission edge and its identity chain; no credentials, no network\n"
    "  merge   combine the reports of a sharded check (--shard I/N) into one report\n"
    "\n"
    "Run 'secret-preflight <command> --help' for the options of a command.\n";

po::options_description common_options(Options& options) {
  po::options_description description("options");
  description.add_options()
      ("help,h", "print this help and exit")
      ("report", po::value(&options.report_path), "write the JSON report to this file")
      ("log-level", po::value(&options.log_level)->default_value("info"),
       "debug, info, warning or error");
  return description;
}

// The options that pick the manifests and the edges: check and plan.
po::options_description input_options(Options& options) {
  po::options_description description("input options");
  description.add_options()
      ("root", po::value(&options.root)->default_value("."),
       "repository root; manifest paths in results are relative to it")
      ("config", po::value(&options.config_path)->default_value(".github/secret-preflight.yml"),
       "config file, relative to the root")
      ("max-file-size", po::value(&options.max_file_size)->default_value("64M"),
       "maximum size of one manifest file, in bytes or with a K, M or G suffix (powers of "
       "1024); a larger file is an input error and is not read; 0 means no limit")
      ("shard", po::value(&options.shard),
       "take only shard I of N (for example 2/4): edges are split by runtime identity, so "
       "each shard becomes each identity once; merge combines the shard reports")
      ("changed-since", po::value(&options.changed_since),
       "check only edges whose manifests, ServiceAccounts, stores or config changed between "
       "the merge base of this git revision and HEAD (for example origin/main)");
  return description;
}

// The gate and the channels a finished run is published through: check and
// merge.
po::options_description gate_and_channel_options(Options& options) {
  po::options_description description("gate and channel options");
  description.add_options()
      ("fail-on", po::value(&options.fail_on),
       "verdicts that fail the run, comma separated "
       "(default: denied,not-found,disabled,key-missing,identity-unavailable)")
      ("warn-on", po::value(&options.warn_on),
       "verdicts reported as warnings (default: inconclusive,unresolved)")
      ("ca-bundle", po::value(&options.ca_bundle),
       "PEM file of CA certificates for provider endpoints and the GitHub API "
       "(default: $SECRET_PREFLIGHT_CA_BUNDLE, then $AWS_CA_BUNDLE, then the system store)")
      ("sarif", po::value(&options.sarif_path),
       "write SARIF 2.1.0 for GitHub code scanning to this file")
      ("pr-comment", po::value(&options.pr_comment)->default_value("on-failure"),
       "sticky pull request comment: off, on-failure (while the gate fails) or always")
      ("pr-comment-on-pass", po::value(&options.pr_comment_on_pass)->default_value("resolve"),
       "what happens to the comment once the gate passes: resolve (rewrite it as resolved) "
       "or delete")
      ("check-run", po::bool_switch(&options.check_run),
       "also publish a check run with annotations (needs checks: write)")
      ("github-token", po::value(&options.github_token),
       "token for the pull request comment and check run (default: the github-token action "
       "input, then $GITHUB_TOKEN)");
  return description;
}

po::options_description check_options(Options& options) {
  po::options_description description("check options");
  description.add_options()
      ("token-file", po::value(&options.token_file),
       "read the CI's OIDC token from this file instead of GitHub's token endpoint")
      ("token-env", po::value(&options.token_env),
       "read the CI's OIDC token from this environment variable")
      ("audience", po::value(&options.audience),
       "audience of the CI token sent to AWS STS (default: the config's aws.audience, "
       "sts.amazonaws.com)")
      ("concurrency", po::value(&options.concurrency)->default_value(16),
       "maximum probes in flight at once")
      ("max-attempts", po::value(&options.max_attempts)->default_value(3),
       "attempts per provider call, including the first, before a probe is inconclusive")
      ("deadline", po::value(&options.deadline_seconds)->default_value(0),
       "seconds after which unfinished probes stop as inconclusive; 0 means no deadline")
      ("request-timeout", po::value(&options.request_timeout_seconds)->default_value(30),
       "seconds one HTTP request may take, connection included, before it counts as a "
       "timed-out attempt")
      ("on-missing-token", po::value(&options.on_missing_token)->default_value("plan"),
       "without a CI token (fork pull requests, no id-token: write): plan reports the plan "
       "and passes unless an unresolved edge fails the gate; fail fails the run");
  return description;
}

po::options_description merge_options(Options& options) {
  po::options_description description("merge options");
  description.add_options()(
      "allow-partial", po::bool_switch(&options.allow_partial),
      "merge even when some shards' reports are missing; the merged report and the summary "
      "name the missing shards (default: a missing shard is an error, exit status 2)");
  return description;
}

po::options_description plan_options(Options& options) {
  po::options_description description("plan options");
  description.add_options()("format", po::value(&options.format)->default_value("text"),
                            "text or json");
  return description;
}

// Splits a multi-line input into one path per line. Empty lines are dropped
// and spaces trimmed, as the actions toolkit does.
std::vector<std::string> split_input_lines(const char* text) {
  std::vector<std::string> lines;
  std::string line;
  for (const char* c = text;; ++c) {
    if (*c == '\n' || *c == '\0') {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
      size_t start = line.find_first_not_of(' ');
      if (start != std::string::npos) lines.push_back(line.substr(start));
      line.clear();
      if (*c == '\0') break;
    } else {
      line += *c;
    }
  }
  return lines;
}

// Fills options the command line left unset from the GitHub action's inputs
// (INPUT_<NAME>), so the container entrypoint needs no shell to map them.
void apply_action_inputs(const po::variables_map& given, Options& options) {
  auto input = [&](const char* option, const char* variable, std::string& target) {
    if (given.count(option) && !given[option].defaulted()) return;
    const char* value = std::getenv(variable);
    if (value != nullptr && *value != '\0') target = value;
  };
  input("root", "INPUT_ROOT", options.root);
  input("config", "INPUT_CONFIG", options.config_path);
  input("report", "INPUT_REPORT", options.report_path);
  input("fail-on", "INPUT_FAIL-ON", options.fail_on);
  input("warn-on", "INPUT_WARN-ON", options.warn_on);
  input("audience", "INPUT_AUDIENCE", options.audience);
  input("log-level", "INPUT_LOG-LEVEL", options.log_level);
  input("sarif", "INPUT_SARIF", options.sarif_path);
  input("on-missing-token", "INPUT_ON-MISSING-TOKEN", options.on_missing_token);
  input("pr-comment", "INPUT_PR-COMMENT", options.pr_comment);
  input("pr-comment-on-pass", "INPUT_PR-COMMENT-ON-PASS", options.pr_comment_on_pass);
  input("check-run", "INPUT_CHECK-RUN", options.check_run_input);
  input("shard", "INPUT_SHARD", options.shard);
  input("changed-since", "INPUT_CHANGED-SINCE", options.changed_since);
  input("allow-partial", "INPUT_ALLOW-PARTIAL", options.allow_partial_input);
  // merge takes report files where check and plan take manifest paths.
  const char* paths = std::getenv(options.command == "merge" ? "INPUT_REPORTS" : "INPUT_PATHS");
  if (options.paths.empty() && paths != nullptr) options.paths = split_input_lines(paths);
}

// A workflow_dispatch run's own inputs override the action's inputs of the
// same name, so a manual run can switch mode or the gate without editing the
// workflow.
void apply_dispatch_inputs(Options& options) {
  if (!report::github::running_in_github_actions()) return;
  const char* event = std::getenv("GITHUB_EVENT_NAME");
  if (event == nullptr || std::string_view(event) != "workflow_dispatch") return;
  report::github::EventContext context = report::github::read_event_context("");
  const std::map<std::string, std::string*> targets = {
      {"mode", &options.command},           {"fail-on", &options.fail_on},
      {"warn-on", &options.warn_on},        {"log-level", &options.log_level},
      {"audience", &options.audience},      {"on-missing-token", &options.on_missing_token},
      {"pr-comment", &options.pr_comment},  {"sarif", &options.sarif_path},
  };
  for (const auto& [name, value] : context.dispatch_inputs) {
    auto target = targets.find(name);
    if (target == targets.end() || value.empty()) continue;
    // The merge job of a matrix shares the dispatch inputs of the shard
    // jobs, whose mode must not turn it into another check.
    if (name == "mode" && options.command == "merge") continue;
    log::info("workflow_dispatch input " + name + "=" + value + " overrides the action input");
    *target->second = value;
  }
}

// Reads a boolean action input as the actions toolkit does: true, True,
// TRUE, false, False or FALSE. An empty value leaves `target` unchanged.
// Returns false after printing the error for any other value.
bool read_action_boolean(const char* name, const std::string& value, bool& target) {
  if (value == "true" || value == "True" || value == "TRUE") {
    target = true;
  } else if (!value.empty() && value != "false" && value != "False" && value != "FALSE") {
    std::cerr << "secret-preflight: error: invalid " << name << " '" << value
              << "'; expected true or false\n";
    return false;
  }
  return true;
}

bool set_log_level(const std::string& name) {
  if (name == "debug") log::set_level(log::Level::kDebug);
  else if (name == "info") log::set_level(log::Level::kInfo);
  else if (name == "warning") log::set_level(log::Level::kWarning);
  else if (name == "error") log::set_level(log::Level::kError);
  else return false;
  return true;
}

}  // namespace

int run(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return kUsageError;
  }
  Options options;
  options.command = argv[1];
  if (options.command == "--help" || options.command == "-h" || options.command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (options.command == "--version") {
    std::cout << "secret-preflight " << SECRET_PREFLIGHT_VERSION << '\n';
    return 0;
  }
  if (options.command != "check" && options.command != "plan" && options.command != "merge") {
    std::cerr << "secret-preflight: error: unknown command '" << options.command
              << "'; expected check, plan or merge\n"
              << kUsage;
    return kUsageError;
  }

  po::options_description visible = common_options(options);
  if (options.command == "check") {
    visible.add(input_options(options));
    visible.add(gate_and_channel_options(options));
    visible.add(check_options(options));
  } else if (options.command == "plan") {
    visible.add(input_options(options));
    visible.add(plan_options(options));
  } else {
    visible.add(gate_and_channel_options(options));
    visible.add(merge_options(options));
  }
  po::options_description all = visible;
  all.add_options()("path", po::value(&options.paths));
  po::positional_options_description positional;
  positional.add("path", -1);

  po::variables_map given;
  try {
    po::store(po::command_line_parser(argc - 1, argv + 1).options(all).positional(positional).run(),
              given);
    po::notify(given);
  } catch (const po::error& error) {
    std::cerr << "secret-preflight: error: " << error.what() << "\n"
              << "Run 'secret-preflight " << options.command << " --help' for the options.\n";
    return kUsageError;
  }
  if (given.count("help")) {
    std::cout << "usage: secret-preflight " << options.command
              << (options.command == "merge" ? " [options] REPORT...\n\n"
                                              : " [options] [PATH...]\n\n")
              << (options.command == "merge"
                      ? "Each REPORT is a shard report from check --shard I/N --report FILE, or a "
                        "folder whose .json files\n(searched recursively) are shard reports.\n\n"
                      : "")
              << visible;
    return 0;
  }
  options.config_explicit = given.count("config") && !given["config"].defaulted();
  apply_action_inputs(given, options);
  apply_dispatch_inputs(options);
  if (options.command != "check" && options.command != "plan" && options.command != "merge") {
    std::cerr << "secret-preflight: error: invalid mode '" << options.command
              << "'; expected check, plan or merge\n";
    return kUsageError;
  }
  if (!read_action_boolean("check-run", options.check_run_input, options.check_run) ||
      !read_action_boolean("allow-partial", options.allow_partial_input, options.allow_partial))
    return kUsageError;
  if (!options.shard.empty()) {
    std::string problem;
    std::optional<plan::Shard> shard = plan::parse_shard(options.shard, problem);
    if (!shard) {
      std::cerr << "secret-preflight: error: " << problem << "\n";
      return kUsageError;
    }
    options.shard_index = shard->index;
    options.shard_count = shard->count;
  }
  if (options.command == "merge" && options.paths.empty()) {
    std::cerr << "secret-preflight: error: merge needs at least one shard report; give the "
                 "report files or folders as arguments (the reports input in the action)\n";
    return kUsageError;
  }
  for (const auto& [name, value, allowed] :
       {std::tuple<const char*, std::string, const char*>{"--on-missing-token",
                                                          options.on_missing_token, "plan fail"},
        {"--pr-comment", options.pr_comment, "off on-failure always"},
        {"--pr-comment-on-pass", options.pr_comment_on_pass, "resolve delete"}}) {
    std::string words = std::string(" ") + allowed + " ";
    if (value.empty() || value.find(' ') != std::string::npos ||
        words.find(" " + value + " ") == std::string::npos) {
      std::cerr << "secret-preflight: error: invalid " << name << " '" << value
                << "'; expected one of: " << allowed << "\n";
      return kUsageError;
    }
  }
  std::optional<std::uintmax_t> max_file_size = manifest::parse_byte_size(options.max_file_size);
  if (!max_file_size) {
    std::cerr << "secret-preflight: error: invalid --max-file-size '" << options.max_file_size
              << "'; expected a number of bytes with an optional K, M or G suffix, such as 128M\n";
    return kUsageError;
  }
  options.max_file_size_bytes = *max_file_size;
  if (!set_log_level(options.log_level)) {
    std::cerr << "secret-preflight: error: invalid --log-level '" << options.log_level
              << "'; expected debug, info, warning or error\n";
    return kUsageError;
  }
  if (options.command == "plan" && options.format != "text" && options.format != "json") {
    std::cerr << "secret-preflight: error: invalid --format '" << options.format
              << "'; expected text or json\n";
    return kUsageError;
  }
  if (!options.token_file.empty() && ::access(options.token_file.c_str(), R_OK) != 0) {
    std::cerr << "secret-preflight: error: cannot read --token-file '" << options.token_file
              << "'; give the path of a file holding the CI's OIDC token\n";
    return kUsageError;
  }
  std::string ca_bundle = http::resolve_ca_bundle(options.ca_bundle);
  if (!ca_bundle.empty() && ::access(ca_bundle.c_str(), R_OK) != 0) {
    // Without it every TLS handshake fails, and a run of inconclusive
    // verdicts would pass the default gate unnoticed.
    std::cerr << "secret-preflight: error: cannot read the CA bundle '" << ca_bundle
              << "' (from --ca-bundle, SECRET_PREFLIGHT_CA_BUNDLE or AWS_CA_BUNDLE); fix the "
                 "path or its permissions\n";
    return kUsageError;
  }
  if (std::string problem = probe_limit_problem(options); !problem.empty()) {
    std::cerr << "secret-preflight: error: " << problem << "\n";
    return kUsageError;
  }

  if (options.command == "merge") return run_merge(options);
  return options.command == "check" ? run_check(options) : run_plan(options);
}

}  // namespace sp::app
