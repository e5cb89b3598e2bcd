// Results and diagnostics as text for a person at a terminal.
#pragma once

#include <ostream>
#include <vector>

#include "core/model.h"
#include "report/gate.h"
#include "report/run.h"

namespace sp::report {

struct TextOptions {
  /// ANSI colours; see colour_enabled().
  bool colour = false;
  /// Protect the log of a GitHub Actions run: text that could read as a
  /// workflow command is wrapped in stop-commands (github::write_untrusted).
  bool workflow_safe = false;
};

/// Returns true when `fd` is a terminal and NO_COLOR is unset or empty
/// (https://no-color.org: a non-empty NO_COLOR turns colour off).
bool colour_enabled(int fd);

/// Writes the results grouped by gate outcome (failing, warnings, ignored,
/// ok), each edge as `file:line:col  verdict [layer]  secret-id  as
/// principal` with its message, identity chain and fix indented below, then
/// notices and one summary line with counts. Text is redacted.
void write_text_report(std::ostream& out, const RunReport& run, const Gate& gate,
                       const TextOptions& options);

/// Writes a plan: each edge as `file:line:col  operation  secret-id`, then the
/// runtime identity and its chain, or the reason it is unresolved, then one
/// summary line. Text is redacted.
void write_plan_text(std::ostream& out, const RunReport& run, const TextOptions& options);

/// Writes each diagnostic as `secret-preflight: error: file:line:col:
/// message`, then the source line and a caret under the column when the
/// source line is known. Text is redacted.
void write_diagnostics(std::ostream& out, const std::vector<Diagnostic>& diagnostics,
                       const TextOptions& options);

}  // namespace sp::report
