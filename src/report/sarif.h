// SARIF 2.1.0 for GitHub code scanning: one rule per verdict (and per layer
// for denied and identity-unavailable), one result per edge that is not ok.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "report/atomic_file.h"
#include "report/gate.h"
#include "report/run.h"

namespace sp::report {

/// The maximum number of results per run that GitHub code scanning accepts.
/// NOTE: the 10 MB gzip upload limit is not checked. 25,000 results of the
/// unit tests' sample edge rendered to 51 MB, 1.2 MB after gzip -6.
inline constexpr std::size_t kSarifMaxResultsPerRun = 25000;

/// Key of the edge fingerprint in `partialFingerprints`. The suffix is the
/// fingerprint's version: change it only together with the hashed fields.
inline constexpr std::string_view kEdgeFingerprintKey = "secretPreflightEdge/v1";

/// The rule for input error diagnostics that have a file to point at.
inline constexpr std::string_view kInputErrorRuleId = "SP-input-error";

/// Returns the rule id for a verdict and layer: `SP-<verdict>` and, for
/// denied and identity-unavailable, `SP-<verdict>-<layer>`, spelled as in the
/// JSON report. A denied result without a layer uses `SP-denied-unknown`, and
/// an identity-unavailable one without a layer uses `SP-identity-unavailable`
/// (no OIDC token, so no policy was consulted). Ids are public: code scanning
/// tracks alerts by them, so they never change.
std::string sarif_rule_id(Verdict verdict, Layer layer);

/// Returns every rule id of the SARIF `rules[]` table, in table order.
std::vector<std::string> sarif_rule_ids();

/// Returns the edge fingerprint: the first 32 hex digits of the SHA-256 of
/// the rule id, reference file, reference field path, secret id, principal
/// and operation (each redacted, separated by NUL). Lines and columns are left
/// out so that the fingerprint survives edits above the reference.
std::string sarif_edge_fingerprint(const EdgeResult& result);

/// Renders `run` as a SARIF 2.1.0 log with one run. Levels follow `gate`.
/// When more than `max_results` results would be written, fail-on results
/// are kept first, then warn-on, then the rest, and a tool notification
/// reports how many were left out. Every string passes through redaction::redact().
std::string render_sarif(const RunReport& run, const Gate& gate,
                         std::size_t max_results = kSarifMaxResultsPerRun);

/// Writes render_sarif() to `path` atomically. Throws ReportError.
void write_sarif(const std::string& path, const RunReport& run, const Gate& gate);

}  // namespace sp::report
