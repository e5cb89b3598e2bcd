// Step outputs: `name=value` lines appended to $GITHUB_OUTPUT.
#include <cstdlib>

#include "report/github.h"
#include "util/redaction.h"

namespace sp::report::github {
namespace {

// Writes one output. A value with a line break uses the heredoc form with
// the toolkit's `ghadelimiter_` prefix and a delimiter the value does not
// contain, so the value cannot end the heredoc and add outputs of its own.
void append_output(std::string& out, std::string_view name, std::string_view value) {
  std::string redacted = redaction::redact(value);
  if (redacted.find_first_of("\r\n") == std::string::npos) {
    out += std::string(name) + "=" + redacted + "\n";
    return;
  }
  std::string delimiter;
  do {
    delimiter = "ghadelimiter_" + random_token();
  } while (redacted.find(delimiter) != std::string::npos);
  out += std::string(name) + "<<" + delimiter + "\n" + redacted + "\n" + delimiter + "\n";
}

}  // namespace

std::string render_outputs(const RunReport& run, const std::string& report_path,
                           const std::string& sarif_path) {
  std::string out;
  int ignored = 0;
  for (const EdgeResult& result : run.results) ignored += result.ignored_reason ? 1 : 0;
  for (const auto& [verdict, count] : count_verdicts(run.results))
    append_output(out, to_string(verdict), std::to_string(count));
  append_output(out, "ignored", std::to_string(ignored));
  append_output(out, "edges", std::to_string(run.results.size()));
  bool passed = run.passed_gate && !has_errors(run.diagnostics);
  append_output(out, "passed", passed ? "true" : "false");
  if (!report_path.empty()) append_output(out, "report", report_path);
  if (!sarif_path.empty()) append_output(out, "sarif", sarif_path);
  return out;
}

void write_outputs(const RunReport& run, const std::string& report_path,
                   const std::string& sarif_path) {
  const char* path = std::getenv("GITHUB_OUTPUT");
  if (path == nullptr || *path == '\0') return;
  append_to_file(path, render_outputs(run, report_path, sarif_path));
}

}  // namespace sp::report::github
