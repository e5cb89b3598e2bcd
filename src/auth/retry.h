// Retries with truncated exponential backoff and full jitter, as botocore's
// standard retry mode: the wait before retry n (1-based) is
// rand(0,1) * min(base * 2^(n-1), 20) seconds. A run deadline bounds the
// total time, and Retry-After / x-amz-retry-after are honoured.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/model.h"
#include "util/http.h"

namespace sp::auth {

using Clock = std::chrono::steady_clock;

struct RetryPolicy {
  /// Total attempts, the first included.
  int max_attempts = 3;
  double base_delay_seconds = 1.0;
  double max_delay_seconds = 20.0;
  /// No attempt starts and no wait ends after this point.
  Clock::time_point deadline = Clock::time_point::max();
  /// Timeout of one attempt, connection included.
  std::chrono::milliseconds request_timeout{30'000};
  /// Returns a uniform value in [0, 1); tests make it fixed.
  std::function<double()> random;
  /// Waits; tests record the delays instead.
  std::function<void(std::chrono::duration<double>)> sleep;
};

/// One attempt's outcome: a response and, when it failed, the parsed error.
struct Attempt {
  http::Response response;
  /// Set when the attempt failed; empty code and status 0 mean transport failure.
  std::optional<ProviderError> error;
};

struct RetryOutcome {
  Attempt last;
  int attempts = 0;
  /// True when the deadline stopped the loop before a clean answer.
  bool deadline_reached = false;
};

/// Returns the backoff before retry `retry` (1-based) for `random01` in [0, 1).
double backoff_seconds(const RetryPolicy& policy, int retry, double random01);

/// Runs `attempt` until it succeeds, fails with an error that is not
/// retryable or with a TLS verification failure, the attempts run out, or
/// the deadline passes. Logs each retry as
/// "retrying <operation> for <target> (attempt 2 of 3): <reason>".
RetryOutcome run_with_retries(const RetryPolicy& policy, const std::string& operation,
                              const std::string& target, const std::function<Attempt()>& attempt);

/// Returns the time left before `policy.deadline`, capped at `cap`, for a
/// request timeout; 1 ms when the deadline has passed, because a zero
/// timeout would fall back to the transport's default.
std::chrono::milliseconds time_left(const RetryPolicy& policy, std::chrono::milliseconds cap);

/// Returns the timeout for one attempt: `policy.request_timeout`, cut to the
/// time left before the deadline.
std::chrono::milliseconds attempt_timeout(const RetryPolicy& policy);

}  // namespace sp::auth
