// The gate: which verdicts fail the run, which only warn, and which results
// the config file's ignore rules set aside.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/model.h"
#include "report/run.h"

namespace sp::report {

struct Gate {
  std::set<Verdict> fail_on{Verdict::kDenied, Verdict::kNotFound, Verdict::kDisabled,
                            Verdict::kKeyMissing, Verdict::kIdentityUnavailable};
  std::set<Verdict> warn_on{Verdict::kInconclusive, Verdict::kUnresolved};
};

/// The gate's treatment of one result. A verdict in both sets fails.
enum class Outcome { kPass, kWarn, kFail, kIgnored };

Outcome classify(const Gate& gate, const EdgeResult& result);

/// Parses a comma-separated verdict list such as "denied,not-found". Spaces
/// around words are allowed, and "none" alone gives the empty set. Throws
/// std::invalid_argument naming the invalid word and the closest verdict.
std::set<Verdict> parse_verdict_list(std::string_view text);

/// Marks each non-ok result that an ignore rule matches by setting its
/// ignored_reason. A rule matches when each of its non-empty fields matches:
/// file and secret as `*` patterns, verdict exactly. `today` is YYYY-MM-DD in
/// UTC. Returns one notice per rule that does not apply: expired (after its
/// `expires` day), with an invalid `expires`, or with no field to match on.
std::vector<std::string> apply_ignores(std::vector<EdgeResult>& results,
                                       const std::vector<config::IgnoreRule>& ignores,
                                       std::string_view today);

/// Returns true when no result fails the gate. Ignored results never fail.
bool passes(const Gate& gate, const std::vector<EdgeResult>& results);

/// Returns the exit status: 2 when `run` has an error diagnostic, else 0 when
/// its results that carry a verdict pass the gate and 1 when they do not.
int exit_status(const Gate& gate, const RunReport& run);

/// Returns today's date in UTC as YYYY-MM-DD.
std::string today_utc();

}  // namespace sp::report
