#include "auth/retry.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

#include "auth/aws_response.h"
#include "util/log.h"

namespace sp::auth {
namespace {

double default_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// Retry-After in seconds (HTTP 429/503) or x-amz-retry-after in milliseconds.
double server_requested_wait(const http::Response& response) {
  try {
    std::string milliseconds = response.header("x-amz-retry-after");
    if (!milliseconds.empty()) return std::stod(milliseconds) / 1000.0;
    std::string seconds = response.header("retry-after");
    if (!seconds.empty()) return std::stod(seconds);
  } catch (const std::exception&) {
    // An HTTP-date Retry-After is ignored; the backoff applies instead.
  }
  return 0.0;
}

std::string describe(const ProviderError& error) {
  if (!error.code.empty()) return error.code;
  if (error.http_status == 0) return error.message.empty() ? "connection failed" : error.message;
  return "HTTP " + std::to_string(error.http_status);
}

}  // namespace

double backoff_seconds(const RetryPolicy& policy, int retry, double random01) {
  double cap = std::min(policy.base_delay_seconds * std::pow(2.0, retry - 1), policy.max_delay_seconds);
  return random01 * cap;
}

std::chrono::milliseconds time_left(const RetryPolicy& policy, std::chrono::milliseconds cap) {
  if (policy.deadline == Clock::time_point::max()) return cap;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(policy.deadline - Clock::now());
  return std::clamp(left, std::chrono::milliseconds(1), std::max(cap, std::chrono::milliseconds(1)));
}

std::chrono::milliseconds attempt_timeout(const RetryPolicy& policy) {
  return time_left(policy, policy.request_timeout);
}

RetryOutcome run_with_retries(const RetryPolicy& policy, const std::string& operation,
                              const std::string& target, const std::function<Attempt()>& attempt) {
  RetryOutcome outcome;
  const int max_attempts = std::max(1, policy.max_attempts);
  while (true) {
    if (Clock::now() >= policy.deadline) {
      outcome.deadline_reached = true;
      return outcome;
    }
    outcome.last = attempt();
    ++outcome.attempts;
    if (!outcome.last.error || !is_retryable(*outcome.last.error)) return outcome;
    if (outcome.last.response.tls_failure) {
      log::warning("not retrying " + operation + " for " + target +
                   ": TLS verification failed, which a retry cannot change: " + describe(*outcome.last.error));
      return outcome;
    }
    if (outcome.attempts >= max_attempts) return outcome;

    double random01 = policy.random ? policy.random() : default_random();
    double wait = backoff_seconds(policy, outcome.attempts, random01);
    // A server's Retry-After raises the wait up to max_delay_seconds, so a
    // huge value cannot stall a run that has no deadline.
    wait = std::max(wait, std::min(server_requested_wait(outcome.last.response), policy.max_delay_seconds));
    auto wake = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(wait));
    if (wake >= policy.deadline) {
      outcome.deadline_reached = true;
      return outcome;
    }
    log::warning("retrying " + operation + " for " + target + " (attempt " +
                 std::to_string(outcome.attempts + 1) + " of " + std::to_string(max_attempts) +
                 "): " + describe(*outcome.last.error));
    if (policy.sleep) policy.sleep(std::chrono::duration<double>(wait));
    else std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
}

}  // namespace sp::auth
