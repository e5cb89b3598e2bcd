// Publishing a finished run through every channel: stdout, the JSON report,
// SARIF, annotations, the job summary, step outputs, the sticky pull request
// comment and the check run. `check` and `merge` share it, so a merged report
// reaches the same channels as a single run.
#pragma once

#include "app/options.h"
#include "report/gate.h"
#include "report/github_context.h"
#include "report/run.h"
#include "report/text_report.h"

namespace sp::app {

/// Returns the gate from --fail-on and --warn-on. Throws
/// std::invalid_argument naming an unknown verdict.
report::Gate make_gate(const Options& options);

/// Returns the text options for stdout: colour on a terminal, and
/// stop-commands around untrusted text under GitHub Actions.
report::TextOptions text_options();

/// Reads the GitHub event context. A problem with it is logged as a warning
/// under GitHub Actions and ignored elsewhere.
report::github::EventContext read_context(const Options& options);

/// Writes the report files, stdout and, under GitHub Actions, annotations,
/// the job summary and step outputs. Every channel reads the finished run;
/// none calls a provider. Returns false when a channel could not be written.
bool write_channels(const report::RunReport& run, const report::Gate& gate,
                    const Options& options);

/// Applies `gate` to the run (`passed_gate`), notes the pull request
/// channels the event has no place for, publishes every channel and, where
/// the run has a pull request and a token, the sticky comment and the check
/// run. Returns the exit status: report::exit_status(), or 2 when a channel
/// failed on a run that would otherwise exit 0.
int publish_run(report::RunReport& run, const report::Gate& gate, const Options& options,
                const report::github::EventContext& context);

}  // namespace sp::app
