// The JSON report: the evidence a release keeps, and the input of `merge`.
// Its fields are a public interface (schema "secret-preflight/report/v1").
#pragma once

#include <string>
#include <string_view>

#include "report/atomic_file.h"
#include "report/run.h"

namespace sp::report {

inline constexpr std::string_view kReportSchema = "secret-preflight/report/v1";

/// Renders `run` as the JSON report. Edges are sorted by file, line and
/// column; every string passes through redaction::redact().
std::string render_json_report(const RunReport& run);

/// Writes the JSON report to `path` atomically. Throws ReportError.
void write_json_report(const std::string& path, const RunReport& run);

/// Parses a JSON report. `source` names the input in error messages. Throws
/// ReportError when the text is not JSON, has another schema, or a field has
/// the wrong type.
RunReport parse_json_report(std::string_view text, std::string_view source);

/// Reads and parses the JSON report at `path`. Throws ReportError.
RunReport read_report(const std::string& path);

}  // namespace sp::report
