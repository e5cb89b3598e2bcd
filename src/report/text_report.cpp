#include "report/text_report.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "report/github.h"
#include "util/redaction.h"
#include "util/text.h"

namespace sp::report {
namespace {

constexpr const char* kRed = "\033[31m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kCyan = "\033[36m";
constexpr const char* kGreen = "\033[32m";
constexpr const char* kBold = "\033[1m";
constexpr const char* kReset = "\033[0m";

class Painter {
 public:
  explicit Painter(bool colour) : colour_(colour) {}
  std::string operator()(const char* code, std::string_view text) const {
    if (!colour_) return std::string(text);
    return std::string(code) + std::string(text) + kReset;
  }

 private:
  bool colour_;
};

// Text from manifests and provider errors may hold escape sequences or line
// breaks; they are written as \xNN so that only this file's colours reach
// the terminal. Source lines keep their tabs so that the caret lines up.
std::string safe(std::string_view text, bool keep_tabs = false) {
  std::string escaped = text::escape_controls(text, keep_tabs);
  if (keep_tabs) {
    for (size_t at; (at = escaped.find('\n')) != std::string::npos;) escaped.replace(at, 1, "\\x0a");
  }
  return escaped;
}

// Returns the part of `message` that reports an unchecked trust edge, or ""
// when there is none.
std::string unchecked_trust_caveat(const std::string& message) {
  size_t at = message.find("The trust edge was not checked");
  if (at == std::string::npos) return "";
  return message.substr(at);
}

const char* outcome_colour(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFail: return kRed;
    case Outcome::kWarn: return kYellow;
    case Outcome::kIgnored: return kCyan;
    case Outcome::kPass: return kGreen;
  }
  return kReset;
}

std::string location_text(const SourceLocation& location) {
  std::string text = location.file;
  if (location.line > 0) {
    text += ":" + std::to_string(location.line);
    if (location.column > 0) text += ":" + std::to_string(location.column);
  }
  return text;
}

void write_edge(std::ostream& out, const EdgeResult& result, Outcome outcome,
                const Painter& paint) {
  const PermissionEdge& edge = result.edge;
  std::string verdict(to_string(result.verdict));
  if (result.layer != Layer::kNone) verdict += " [" + std::string(to_string(result.layer)) + "]";
  if (result.simulated) verdict += " (simulated)";
  std::string principal = edge.identity.principal.empty() ? "unresolved" : edge.identity.principal;
  out << safe(location_text(edge.reference.location)) << "  " << paint(outcome_colour(outcome), verdict)
      << "  " << safe(edge.secret.id) << "  as " << safe(principal) << '\n';
  if (outcome == Outcome::kPass) {
    // An ok edge whose own trust edge could not be checked prints that caveat,
    // so that it does not read as fully verified.
    std::string caveat = unchecked_trust_caveat(result.message);
    if (!caveat.empty()) out << "    note: " << safe(caveat) << '\n';
    return;
  }

  if (!result.message.empty()) out << "    " << safe(result.message) << '\n';
  for (const ChainStep& step : edge.identity.chain)
    out << "    via " << safe(step.step) << " (" << safe(location_text(step.location)) << ")\n";
  if (!result.fix.empty()) out << "    fix: " << safe(result.fix) << '\n';
  if (result.ignored_reason) out << "    ignored: " << safe(*result.ignored_reason) << '\n';
  if (!result.operator_note.empty()) out << "    note: " << safe(result.operator_note) << '\n';
}

template <typename Predicate>
void write_group(std::ostream& out, const std::vector<EdgeResult>& results, const char* title,
                 Outcome outcome, const Predicate& belongs, const Painter& paint) {
  int count = 0;
  for (const EdgeResult& result : results) count += belongs(result) ? 1 : 0;
  if (count == 0) return;
  out << paint(kBold, std::string(title) + " (" + std::to_string(count) + "):") << '\n';
  for (const EdgeResult& result : results)
    if (belongs(result)) write_edge(out, result, outcome, paint);
  out << '\n';
}

std::string summary_line(const RunReport& run, const Gate& gate) {
  std::string line = std::to_string(run.results.size()) +
                     (run.results.size() == 1 ? " permission edge" : " permission edges");
  std::string counts;
  for (const auto& [verdict, count] : count_verdicts(run.results)) {
    if (count == 0) continue;
    counts += (counts.empty() ? "" : ", ") + std::to_string(count) + " " +
              std::string(to_string(verdict));
  }
  if (!counts.empty()) line += ": " + counts;
  int ignored = 0;
  for (const EdgeResult& result : run.results) ignored += result.ignored_reason ? 1 : 0;
  if (ignored > 0) line += " (" + std::to_string(ignored) + " ignored)";
  bool passed = passes(gate, run.results) && !has_errors(run.diagnostics);
  return line + "; gate " + (passed ? "passed" : "failed");
}

void emit(std::ostream& out, const std::string& text, const TextOptions& options) {
  if (options.workflow_safe) {
    github::write_untrusted(out, text);
  } else {
    out << redaction::redact(text);
  }
  out.flush();
}

const char* severity_name(Diagnostic::Severity severity) {
  switch (severity) {
    case Diagnostic::Severity::kError: return "error";
    case Diagnostic::Severity::kWarning: return "warning";
    case Diagnostic::Severity::kNote: return "note";
  }
  return "error";
}

// The caret line copies tabs from the source line so that the caret sits
// under the column in a terminal as well.
std::string caret_line(const std::string& source_line, int column) {
  std::string line;
  for (int i = 0; i + 1 < column; ++i) {
    bool tab = static_cast<size_t>(i) < source_line.size() && source_line[i] == '\t';
    line += tab ? '\t' : ' ';
  }
  return line + "^";
}

}  // namespace

bool colour_enabled(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  return ::isatty(fd) == 1;
}

void write_text_report(std::ostream& out, const RunReport& run, const Gate& gate,
                       const TextOptions& options) {
  Painter paint(options.colour);
  std::vector<EdgeResult> results = run.results;
  sort_results(results);

  std::ostringstream text;
  auto with_outcome = [&](Outcome outcome) {
    return [&gate, outcome](const EdgeResult& result) { return classify(gate, result) == outcome; };
  };
  // A verdict other than ok passes only when the gate leaves it out
  // (--fail-on and --warn-on); it is listed apart from the edges that work.
  auto not_gated = [&gate](const EdgeResult& result) {
    return classify(gate, result) == Outcome::kPass && result.verdict != Verdict::kOk;
  };
  auto ok = [&gate](const EdgeResult& result) {
    return classify(gate, result) == Outcome::kPass && result.verdict == Verdict::kOk;
  };
  write_group(text, results, "Failing the gate", Outcome::kFail, with_outcome(Outcome::kFail), paint);
  write_group(text, results, "Warnings", Outcome::kWarn, with_outcome(Outcome::kWarn), paint);
  write_group(text, results, "Ignored", Outcome::kIgnored, with_outcome(Outcome::kIgnored), paint);
  write_group(text, results, "Not gated", Outcome::kWarn, not_gated, paint);
  write_group(text, results, "OK", Outcome::kPass, ok, paint);
  for (const std::string& notice : run.notices) text << "notice: " << safe(notice) << '\n';
  text << summary_line(run, gate) << '\n';
  emit(out, text.str(), options);
}

void write_plan_text(std::ostream& out, const RunReport& run, const TextOptions& options) {
  Painter paint(options.colour);
  std::vector<EdgeResult> results = run.results;
  sort_results(results);

  std::ostringstream text;
  int unresolved = 0;
  for (const EdgeResult& result : results) {
    const PermissionEdge& edge = result.edge;
    text << safe(location_text(edge.reference.location)) << "  " << edge.operation << "  "
         << safe(edge.secret.id);
    if (!edge.secret.json_key.empty()) text << " (JSON key " << safe(edge.secret.json_key) << ")";
    text << '\n';
    if (!edge.unresolved_reason.empty()) {
      ++unresolved;
      text << "    " << paint(kYellow, "unresolved") << ": " << safe(edge.unresolved_reason) << '\n';
    }
    if (!edge.identity.principal.empty()) text << "    as " << safe(edge.identity.principal) << '\n';
    for (const ChainStep& step : edge.identity.chain)
      text << "    via " << safe(step.step) << " (" << safe(location_text(step.location)) << ")\n";
    for (const std::string& assumption : edge.assumptions)
      text << "    assumed: " << safe(assumption) << '\n';
  }
  text << results.size() << (results.size() == 1 ? " permission edge" : " permission edges")
       << ": " << results.size() - unresolved << " resolved, " << unresolved << " unresolved\n";
  emit(out, text.str(), options);
}

void write_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics,
                       const TextOptions& options) {
  Painter paint(options.colour);
  std::ostringstream text;
  for (const Diagnostic& diagnostic : diagnostics) {
    const char* colour = diagnostic.severity == Diagnostic::Severity::kError ? kRed : kYellow;
    std::string location = location_text(diagnostic.location);
    text << "secret-preflight: "
         << paint(colour, std::string(severity_name(diagnostic.severity)) + ":") << ' '
         << (location.empty() ? "" : safe(location) + ": ") << safe(diagnostic.message) << '\n';
    if (!diagnostic.source_line.empty() && diagnostic.location.column > 0) {
      text << safe(diagnostic.source_line, true) << '\n'
           << caret_line(diagnostic.source_line, diagnostic.location.column) << '\n';
    } else if (!diagnostic.source_line.empty()) {
      text << safe(diagnostic.source_line, true) << '\n';
    }
  }
  emit(out, text.str(), options);
}

}  // namespace sp::report
