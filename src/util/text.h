// Plain text helpers shared by the manifest and config loaders.
#pragma once

#include <string>
#include <vector>

namespace sp::text {

/// Splits `text` into lines without their terminators; a CRLF ending counts
/// as one terminator, so diagnostics quote Windows files without a stray CR.
std::vector<std::string> split_lines(const std::string& text);

}  // namespace sp::text
