// The job summary: Markdown appended to $GITHUB_STEP_SUMMARY.
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "report/github.h"
#include "util/log.h"
#include "util/redaction.h"
#include "util/text.h"

namespace sp::report::github {
namespace {

// Room kept for the truncation note when rows are left out.
constexpr size_t kTruncationNoteReserve = 512;

int outcome_rank(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFail: return 0;
    case Outcome::kWarn: return 1;
    case Outcome::kIgnored: return 2;
    case Outcome::kPass: return 3;
  }
  return 3;
}

std::string cell(std::string_view text) {
  return escape_markdown_cell(text::escape_controls(redaction::redact(text), true));
}

std::string location_text(const SourceLocation& location, bool with_column) {
  std::string text = location.file;
  if (location.line > 0) {
    text += ":" + std::to_string(location.line);
    if (with_column && location.column > 0) text += ":" + std::to_string(location.column);
  }
  return text;
}

std::string chain_text(const RuntimeIdentity& identity) {
  std::string chain;
  for (const ChainStep& step : identity.chain) {
    if (!chain.empty()) chain += " → ";
    chain += step.step;
    if (!step.location.file.empty()) chain += " (" + location_text(step.location, false) + ")";
  }
  return chain;
}

std::string verdict_text(const RunReport& run, const EdgeResult& result) {
  if (is_unprobed(run, result)) return "not probed";
  std::string text(to_string(result.verdict));
  if (result.simulated) text += " (simulated)";
  if (result.ignored_reason) text += " (ignored: " + *result.ignored_reason + ")";
  return text;
}

std::string edge_row(const RunReport& run, const EdgeResult& result) {
  const PermissionEdge& edge = result.edge;
  std::string secret = edge.secret.id;
  if (!edge.secret.json_key.empty()) secret += " (JSON key " + edge.secret.json_key + ")";
  std::string principal = edge.identity.principal.empty() ? "unresolved" : edge.identity.principal;
  // An unresolved edge's reason names what to add, which is its fix. An ok
  // edge whose trust edge was not checked carries that caveat in this column.
  std::string fix = result.fix.empty() ? edge.unresolved_reason : result.fix;
  size_t caveat = result.message.find("The trust edge was not checked");
  if (fix.empty() && result.verdict == Verdict::kOk && caveat != std::string::npos)
    fix = result.message.substr(caveat);
  return "| " + cell(verdict_text(run, result)) + " | " +
         cell(location_text(edge.reference.location, false)) + " | " + cell(secret) + " | " +
         cell(principal) + " | " + cell(chain_text(edge.identity)) + " | " +
         cell(to_string(result.layer)) + " | " + cell(fix) + " |\n";
}

std::string diagnostic_row(const Diagnostic& diagnostic) {
  const char* severity = diagnostic.severity == Diagnostic::Severity::kError     ? "error"
                         : diagnostic.severity == Diagnostic::Severity::kWarning ? "warning"
                                                                                 : "note";
  return "| " + std::string(severity) + " | " + cell(location_text(diagnostic.location, true)) +
         " | " + cell(diagnostic.message) + " |\n";
}

std::string heading_and_counts(const RunReport& run, const Gate& gate) {
  bool failed = !run.passed_gate || has_errors(run.diagnostics);
  std::ostringstream text;
  text << "## secret-preflight " << cell(run.mode) << ": " << (failed ? "failed" : "passed")
       << "\n\n";
  int failing = 0, warnings = 0, ignored = 0;
  std::vector<EdgeResult> probed = probed_results(run);
  for (const EdgeResult& result : probed) {
    Outcome outcome = classify(gate, result);
    failing += outcome == Outcome::kFail;
    warnings += outcome == Outcome::kWarn;
    ignored += outcome == Outcome::kIgnored;
  }
  text << run.results.size() << (run.results.size() == 1 ? " permission edge: " : " permission edges: ") << failing << " fail the gate, " << warnings
       << " warn, " << ignored << " ignored.\n\n";
  text << "| verdict | edges |\n| --- | ---: |\n";
  for (const auto& [verdict, count] : count_verdicts(probed))
    text << "| " << to_string(verdict) << " | " << count << " |\n";
  if (probed.size() < run.results.size())
    text << "| not probed | " << run.results.size() - probed.size() << " |\n";
  text << "| **total** | " << run.results.size() << " |\n\n";
  return text.str();
}

// Appends rows while they fit in the budget. Returns false once a row did
// not fit, after counting it and the rows after it as left out.
class RowBudget {
 public:
  RowBudget(std::string& out, size_t max_bytes) : out_(out), max_bytes_(max_bytes) {}

  bool append(const std::string& text) {
    if (full_ || out_.size() + text.size() + kTruncationNoteReserve > max_bytes_) {
      full_ = true;
      ++left_out_;
      return false;
    }
    out_ += text;
    return true;
  }

  int left_out() const { return left_out_; }

 private:
  std::string& out_;
  size_t max_bytes_;
  bool full_ = false;
  int left_out_ = 0;
};

}  // namespace

std::string escape_markdown_cell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "<br>";
        break;
      case '\n': out += "<br>"; break;
      // Markdown syntax: code spans, emphasis, links, tables, strikethrough,
      // math, headings, and the backslash itself.
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|':
      case '~': case '$': case '#': case '!':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

namespace {

std::string full_list_text(const SummaryOptions& options) {
  if (!options.full_list.empty()) return options.full_list;
  return options.report_path.empty()
             ? "The JSON report lists every edge."
             : "The report file " + cell(options.report_path) + " lists every edge.";
}

// Renders the summary with rows limited to `row_budget` bytes of output;
// headings, section titles and the truncation note come on top.
std::string render_with_row_budget(const RunReport& run, const Gate& gate,
                                   const SummaryOptions& options, size_t row_budget) {
  std::string out = heading_and_counts(run, gate);
  RowBudget budget(out, row_budget);

  if (!run.diagnostics.empty()) {
    out += "### Input problems\n\n| severity | location | message |\n| --- | --- | --- |\n";
    for (const Diagnostic& diagnostic : run.diagnostics) budget.append(diagnostic_row(diagnostic));
    out += "\n";
  }

  std::vector<EdgeResult> results = run.results;
  sort_results(results);
  std::stable_sort(results.begin(), results.end(), [&](const EdgeResult& a, const EdgeResult& b) {
    int rank_a = outcome_rank(classify(gate, a)), rank_b = outcome_rank(classify(gate, b));
    if (rank_a != rank_b) return rank_a < rank_b;
    return a.verdict < b.verdict;
  });
  if (!results.empty()) {
    out += "### Permission edges\n\n"
           "| verdict | reference | secret | runtime identity | identity chain | layer | fix |\n"
           "| --- | --- | --- | --- | --- | --- | --- |\n";
    for (const EdgeResult& result : results) budget.append(edge_row(run, result));
    out += "\n";
  }

  if (!run.notices.empty()) {
    out += "### Notices\n\n";
    for (const std::string& notice : run.notices) budget.append("- " + cell(notice) + "\n");
    out += "\n";
  }

  if (budget.left_out() > 0) {
    out += "**Truncated:** " + std::to_string(budget.left_out()) +
           " more rows are not shown, because " + options.limit + ". " + full_list_text(options) +
           "\n";
  }
  return out;
}

}  // namespace

std::string render_step_summary(const RunReport& run, const Gate& gate,
                                const SummaryOptions& options) {
  // Rows are budgeted first; when the fixed parts push the whole past the
  // limit, the row budget shrinks by the excess and the summary is rendered
  // again. A summary whose fixed parts alone do not fit is left out.
  size_t row_budget = options.max_bytes;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string out = render_with_row_budget(run, gate, options, row_budget);
    if (out.size() <= options.max_bytes) return out;
    size_t excess = out.size() - options.max_bytes;
    if (row_budget <= excess) break;
    row_budget -= excess;
  }
  std::string out = render_with_row_budget(run, gate, options, 0);
  if (out.size() <= options.max_bytes) return out;
  // Short of room even for the counts: the outcome and where to read on.
  bool failed = !run.passed_gate || has_errors(run.diagnostics);
  out = "## secret-preflight " + cell(run.mode) + ": " + (failed ? "failed" : "passed") +
        "\n\n**Truncated:** the " + std::to_string(run.results.size()) +
        " permission edges are not shown, because " + options.limit + ". " +
        full_list_text(options) + "\n";
  return out.size() <= options.max_bytes ? out : std::string();
}

namespace {

bool ends_without_newline(const char* path, size_t size) {
  if (size == 0) return false;
  std::ifstream file(path, std::ios::binary);
  file.seekg(static_cast<std::streamoff>(size - 1));
  char last = '\n';
  file.get(last);
  return last != '\n';
}

}  // namespace

void append_to_file(const std::string& path, std::string_view text) {
  std::ofstream file(path, std::ios::app | std::ios::binary);
  if (!file) throw ReportError("failed to open \"" + path + "\" for appending");
  file.write(text.data(), static_cast<std::streamsize>(text.size()));
  file.flush();
  if (!file) throw ReportError("failed to append to \"" + path + "\"");
}

void write_step_summary(const RunReport& run, const Gate& gate, const std::string& report_path) {
  const char* path = std::getenv("GITHUB_STEP_SUMMARY");
  if (path == nullptr || *path == '\0') return;
  struct stat info {};
  size_t existing = ::stat(path, &info) == 0 ? static_cast<size_t>(info.st_size) : 0;
  if (existing + kTruncationNoteReserve >= kMaxStepSummaryBytes) {
    log::warning("the job summary was not written, because the step summary file already "
                 "contains " + std::to_string(existing) +
                 " bytes of the 1 MiB limit; the JSON report lists every edge");
    return;
  }
  // Another step's summary may end mid-line; the heading must start a line.
  std::string separator = ends_without_newline(path, existing) ? "\n" : "";
  SummaryOptions options{report_path, kMaxStepSummaryBytes - existing - separator.size()};
  std::string summary = render_step_summary(run, gate, options);
  if (summary.empty()) {
    log::warning("the job summary was not written, because it does not fit in the " +
                 std::to_string(options.max_bytes) +
                 " bytes left of the 1 MiB limit; the JSON report lists every edge");
    return;
  }
  append_to_file(path, separator + summary);
}

}  // namespace sp::report::github
