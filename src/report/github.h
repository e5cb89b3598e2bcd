// The GitHub Actions channels: workflow-command annotations on stdout, the
// job summary in $GITHUB_STEP_SUMMARY and step outputs in $GITHUB_OUTPUT.
// Escaping follows actions/toolkit packages/core/src/command.ts, and the
// limits come from actions/runner (each constant names its source).
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "report/atomic_file.h"
#include "report/gate.h"
#include "report/run.h"

namespace sp::report::github {

/// The runner attaches at most this many annotations of each type (error,
/// warning, notice) per step (actions/runner ExecutionContext.AddIssue).
inline constexpr int kMaxAnnotationsPerType = 10;

/// The runner does not upload a step summary larger than 1 MiB
/// (AttachmentSizeLimit in actions/runner).
inline constexpr size_t kMaxStepSummaryBytes = 1024 * 1024;

/// Returns true when GITHUB_ACTIONS is "true".
bool running_in_github_actions();

/// Escapes workflow-command data: `%`, CR and LF.
std::string escape_data(std::string_view text);

/// Escapes a workflow-command property value: as data, plus `:` and `,`.
std::string escape_property(std::string_view text);

/// Formats `::command name=value,...::data`. Properties with an empty value
/// are left out, as the toolkit does. Escapes but does not redact.
std::string format_command(std::string_view command,
                           const std::vector<std::pair<std::string, std::string>>& properties,
                           std::string_view data);

/// Returns JSON text with every `##[` written as `##\u005b`, which parses to
/// the same value, so that the runner finds no legacy command in JSON printed
/// to the log. `##[` can only occur inside JSON strings, so nothing else changes.
std::string escape_legacy_commands_in_json(std::string json);

/// Returns a fresh random token of 32 hex digits (for stop-commands).
std::string random_token();

/// Writes `text` (redacted) to `out` so that the runner runs no workflow
/// command from it. Text that contains `::` or `##[` is wrapped in
/// `::stop-commands::<random token>` and `::<token>::`, and other text is
/// written unchanged.
void write_untrusted(std::ostream& out, std::string_view text);

/// Returns an annotation's title: "secret-preflight: <verdict> [<layer>]".
std::string result_title(const EdgeResult& result);

/// Returns an annotation's message: what happened, then the secret, the
/// runtime identity, the identity chain and the fix on lines of their own.
std::string result_message(const EdgeResult& result);

struct AnnotationOptions {
  /// Path of the JSON report, named in the line about annotations that did
  /// not fit; empty when no report is written.
  std::string report_path;
  int max_per_type = kMaxAnnotationsPerType;
};

/// Writes one annotation per error diagnostic and per non-ok result: ::error
/// for diagnostics and results that fail the gate, ::warning for warning
/// diagnostics and warn_on verdicts, ::notice for ignored results. Errors
/// come first: diagnostics, then failing results by file, line and column.
/// Per type, annotations beyond `max_per_type` are left out, and one plain log
/// line states how many and where the full list is.
void write_annotations(std::ostream& out, const RunReport& run, const Gate& gate,
                       const AnnotationOptions& options);

/// Returns one sentence per annotation type that write_annotations() cannot
/// fit, saying how many are left out and where they are listed, for the job
/// summary's notices.
std::vector<std::string> annotation_overflow_notices(const RunReport& run, const Gate& gate,
                                                     const AnnotationOptions& options);

struct SummaryOptions {
  std::string report_path;
  /// Maximum size of the Markdown in bytes, counting what the summary file
  /// already contains from this step.
  size_t max_bytes = kMaxStepSummaryBytes;
  /// The limit that makes rows be left out, as the truncation note words it.
  std::string limit = "GitHub does not show a step summary larger than 1 MiB";
  /// Where the reader finds every edge; empty names the report file.
  std::string full_list;
};

/// Renders the job summary: heading, counts per verdict and one table of
/// edges grouped by verdict (failing verdicts first). Untrusted text is
/// escaped for Markdown and HTML and redacted. Rows that do not fit in
/// `max_bytes` are left out, and a closing note states how many and points at
/// the report.
std::string render_step_summary(const RunReport& run, const Gate& gate,
                                const SummaryOptions& options);

/// Escapes text for one GitHub-flavoured Markdown table cell.
std::string escape_markdown_cell(std::string_view text);

/// Renders the step outputs: one `name=count` line per verdict, `ignored`,
/// `edges`, `passed` (true when the gate passed and no input error exists)
/// and, when the paths are not empty, `report` and `sarif`. A value with a line break
/// is written as a heredoc with a fresh random delimiter.
std::string render_outputs(const RunReport& run, const std::string& report_path,
                           const std::string& sarif_path = "");

/// Appends `text` to the file-command file at `path` ($GITHUB_OUTPUT or
/// $GITHUB_STEP_SUMMARY). Throws ReportError.
void append_to_file(const std::string& path, std::string_view text);

/// Appends the job summary to $GITHUB_STEP_SUMMARY, keeping the file under
/// the 1 MiB limit. Does nothing when the variable is unset. Throws
/// ReportError.
void write_step_summary(const RunReport& run, const Gate& gate, const std::string& report_path);

/// Appends the step outputs to $GITHUB_OUTPUT. Does nothing when the
/// variable is unset. Throws ReportError.
void write_outputs(const RunReport& run, const std::string& report_path,
                   const std::string& sarif_path = "");

}  // namespace sp::report::github
