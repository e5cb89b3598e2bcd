// Report files are written whole or not at all.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace sp::report {

/// A report file that could not be written or read; the message names the
/// path and the cause.
class ReportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Writes `content` to a temporary file next to `path`, flushes it to disk
/// and renames it over `path`, so readers see the old file or the new one and
/// never a partial one. Throws ReportError on failure and removes the
/// temporary file.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace sp::report
