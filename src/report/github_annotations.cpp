// Annotations: one workflow command per finding, capped per type as the
// runner caps them.
#include <algorithm>
#include <map>
#include <sstream>

#include "report/github.h"
#include "util/redaction.h"
#include "util/text.h"

namespace sp::report::github {
namespace {

enum class AnnotationType { kError, kWarning, kNotice };

const char* command_name(AnnotationType type) {
  switch (type) {
    case AnnotationType::kError: return "error";
    case AnnotationType::kWarning: return "warning";
    case AnnotationType::kNotice: return "notice";
  }
  return "error";
}

struct Annotation {
  AnnotationType type;
  SourceLocation location;
  std::string title;
  std::string message;
};

std::string format_chain(const RuntimeIdentity& identity) {
  std::string chain;
  for (const ChainStep& step : identity.chain) {
    if (!chain.empty()) chain += " → ";
    chain += step.step;
    if (!step.location.file.empty()) {
      chain += " (" + step.location.file;
      if (step.location.line > 0) chain += ":" + std::to_string(step.location.line);
      chain += ")";
    }
  }
  return chain;
}


std::vector<Annotation> collect_annotations(const RunReport& run, const Gate& gate) {
  std::vector<Annotation> annotations;
  for (const Diagnostic& diagnostic : run.diagnostics) {
    if (diagnostic.severity == Diagnostic::Severity::kNote) continue;
    AnnotationType type = diagnostic.severity == Diagnostic::Severity::kError
                              ? AnnotationType::kError
                              : AnnotationType::kWarning;
    annotations.push_back({type, diagnostic.location, "secret-preflight: input error",
                           diagnostic.message});
  }
  std::vector<EdgeResult> results = run.results;
  sort_results(results);
  for (const EdgeResult& result : results) {
    if (is_unprobed(run, result)) continue;
    AnnotationType type = AnnotationType::kNotice;
    switch (classify(gate, result)) {
      case Outcome::kFail: type = AnnotationType::kError; break;
      case Outcome::kWarn: type = AnnotationType::kWarning; break;
      case Outcome::kIgnored: type = AnnotationType::kNotice; break;
      case Outcome::kPass: continue;
    }
    annotations.push_back(
        {type, result.edge.reference.location, result_title(result), result_message(result)});
  }
  // Errors before warnings before notices; within a type, diagnostics first,
  // then results by file, line and column, as collected.
  std::stable_sort(annotations.begin(), annotations.end(),
                   [](const Annotation& a, const Annotation& b) { return a.type < b.type; });
  return annotations;
}

std::string format_annotation(const Annotation& annotation) {
  const SourceLocation& location = annotation.location;
  std::vector<std::pair<std::string, std::string>> properties = {
      {"file", text::escape_controls(redaction::redact(location.file))},
      {"line", location.line > 0 ? std::to_string(location.line) : ""},
      {"col", location.line > 0 && location.column > 0 ? std::to_string(location.column) : ""},
      {"title", text::escape_controls(redaction::redact(annotation.title))},
  };
  // Escape sequences from manifest text are escaped; line breaks become %0A.
  return format_command(command_name(annotation.type), properties,
                        text::escape_controls(redaction::redact(annotation.message), true));
}

std::string overflow_line(AnnotationType type, int count, const AnnotationOptions& options) {
  std::string name = command_name(type);
  std::string where = options.report_path.empty()
                          ? "the job summary lists them"
                          : "the report file \"" + options.report_path + "\" lists them all";
  return "secret-preflight: " + std::to_string(count) + " more " + name +
         (count == 1 ? " is" : "s are") + " not annotated, because GitHub shows at most " +
         std::to_string(options.max_per_type) + " " + name + " annotations per step; " + where +
         ".";
}

}  // namespace

std::string result_title(const EdgeResult& result) {
  std::string title = "secret-preflight: " + std::string(to_string(result.verdict));
  if (result.layer != Layer::kNone) title += " [" + std::string(to_string(result.layer)) + "]";
  if (result.simulated) title += " (simulated)";
  return title;
}

std::string result_message(const EdgeResult& result) {
  const PermissionEdge& edge = result.edge;
  std::ostringstream message;
  message << (result.message.empty() ? std::string(to_string(result.verdict)) : result.message);
  message << "\nSecret: " << edge.secret.id;
  if (!edge.secret.json_key.empty()) message << " (JSON key " << edge.secret.json_key << ")";
  message << "\nRuntime identity: "
          << (edge.identity.principal.empty() ? "unresolved" : edge.identity.principal);
  std::string chain = format_chain(edge.identity);
  if (!chain.empty()) message << "\nIdentity chain: " << chain;
  if (!result.fix.empty()) message << "\nFix: " << result.fix;
  if (result.ignored_reason) message << "\nIgnored by the config file: " << *result.ignored_reason;
  return message.str();
}

std::vector<std::string> annotation_overflow_notices(const RunReport& run, const Gate& gate,
                                                     const AnnotationOptions& options) {
  std::map<AnnotationType, int> per_type;
  for (const Annotation& annotation : collect_annotations(run, gate)) ++per_type[annotation.type];
  std::vector<std::string> notices;
  for (const auto& [type, count] : per_type) {
    if (count <= options.max_per_type) continue;
    std::string line = overflow_line(type, count - options.max_per_type, options);
    notices.push_back(line.substr(std::string_view("secret-preflight: ").size()));
  }
  return notices;
}

void write_annotations(std::ostream& out, const RunReport& run, const Gate& gate,
                       const AnnotationOptions& options) {
  std::map<AnnotationType, int> written;
  std::map<AnnotationType, int> left_out;
  for (const Annotation& annotation : collect_annotations(run, gate)) {
    if (written[annotation.type] >= options.max_per_type) {
      ++left_out[annotation.type];
      continue;
    }
    ++written[annotation.type];
    out << format_annotation(annotation) << '\n';
  }
  for (const auto& [type, count] : left_out) write_untrusted(out, overflow_line(type, count, options));
  out.flush();
}

}  // namespace sp::report::github
