// The one place that knows which strings must never reach an output. Every
// token, credential and secret value the process handles is registered here
// the moment it arrives; every writer (logs, annotations, summary, report
// files) passes its text through redact() before it leaves the process.
#pragma once

#include <string>
#include <string_view>

namespace sp::redaction {

/// Registers `value` as sensitive. Under GitHub Actions also emits
/// `::add-mask::` on stdout so the runner masks it in the log. Values shorter
/// than 6 characters are masked in the log but not replaced in text, since
/// replacing them would corrupt ordinary words.
void register_value(std::string_view value);

/// Returns `text` with every registered value replaced by `***`.
std::string redact(std::string_view text);

/// True when `text` contains a registered value.
bool contains_registered(std::string_view text);

/// Forgets every registered value (tests only).
void reset_for_tests();

/// Sets whether register_value() prints `::add-mask::` (defaults to whether
/// GITHUB_ACTIONS is "true").
void set_emit_masks(bool emit);

}  // namespace sp::redaction
