// Plain text helpers shared by the manifest and config loaders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sp::text {

/// Splits `text` into lines without their terminators; a CRLF ending counts
/// as one terminator, so diagnostics quote Windows files without a stray CR.
std::vector<std::string> split_lines(const std::string& text);

/// Returns `text` with control characters written as \xNN, so that text from
/// manifests or provider errors cannot move the cursor, recolour a terminal
/// or start a new log line. With `keep_line_breaks`, LF and TAB stay as they
/// are (for multi-line reports).
std::string escape_controls(std::string_view text, bool keep_line_breaks = false);

}  // namespace sp::text
