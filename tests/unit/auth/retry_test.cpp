#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include "auth/retry.h"

namespace {

using sp::auth::Attempt;
using sp::auth::RetryPolicy;

// Records the waits instead of sleeping; the jitter draw is fixed.
RetryPolicy recording(std::vector<double>& waits, double random01 = 0.5) {
  RetryPolicy policy;
  policy.random = [random01] { return random01; };
  policy.sleep = [&waits](std::chrono::duration<double> wait) { waits.push_back(wait.count()); };
  return policy;
}

Attempt failure(int status, std::string code = "") {
  Attempt attempt;
  attempt.response.status = status;
  sp::ProviderError error;
  error.http_status = status;
  error.code = std::move(code);
  attempt.error = error;
  return attempt;
}

}  // namespace

TEST_CASE("retry stops at max attempts", "[auth]") {
  std::vector<double> waits;
  RetryPolicy policy = recording(waits);
  int calls = 0;
  auto outcome = sp::auth::run_with_retries(policy, "GetSecretValue", "shop/db", [&] {
    ++calls;
    return failure(503);
  });
  CHECK(calls == 3);
  CHECK(outcome.attempts == 3);
  CHECK_FALSE(outcome.deadline_reached);
  REQUIRE(waits.size() == 2);
  CHECK(waits[0] == Approx(0.5));  // 0.5 * min(1 * 2^0, 20)
  CHECK(waits[1] == Approx(1.0));  // 0.5 * min(1 * 2^1, 20)
}

TEST_CASE("retry skips errors that are not retryable", "[auth]") {
  std::vector<double> waits;
  RetryPolicy policy = recording(waits);
  for (const char* code : {"AccessDeniedException", "ResourceNotFoundException", "ExpiredTokenException",
                           "RequestTimeTooSkewed"}) {
    INFO(code);
    int calls = 0;
    auto outcome = sp::auth::run_with_retries(policy, "GetSecretValue", "shop/db", [&] {
      ++calls;
      return failure(400, code);
    });
    CHECK(calls == 1);
    CHECK(outcome.attempts == 1);
  }
  CHECK(waits.empty());
}

TEST_CASE("retry skips TLS verification failures", "[auth]") {
  std::vector<double> waits;
  RetryPolicy policy = recording(waits);
  int calls = 0;
  auto outcome = sp::auth::run_with_retries(policy, "GetSecretValue", "shop/db", [&] {
    ++calls;
    Attempt attempt = failure(0);
    attempt.response.tls_failure = true;
    return attempt;
  });
  CHECK(calls == 1);
  CHECK(outcome.last.response.tls_failure);
  CHECK(waits.empty());
}

TEST_CASE("retry honours Retry-After up to the maximum delay", "[auth]") {
  std::vector<double> waits;
  RetryPolicy policy = recording(waits);
  policy.max_attempts = 2;
  for (const char* seconds : {"3", "3600"}) {
    auto outcome = sp::auth::run_with_retries(policy, "GetSecretValue", "shop/db", [&] {
      Attempt attempt = failure(429);
      attempt.response.headers["retry-after"] = seconds;
      return attempt;
    });
    CHECK(outcome.attempts == 2);
  }
  REQUIRE(waits.size() == 2);
  CHECK(waits[0] == Approx(3.0));
  CHECK(waits[1] == Approx(policy.max_delay_seconds));
}

TEST_CASE("retry stops when the wait would pass the deadline", "[auth]") {
  std::vector<double> waits;
  RetryPolicy policy = recording(waits, 0.99);
  policy.max_attempts = 10;
  policy.deadline = sp::auth::Clock::now() + std::chrono::milliseconds(500);
  int calls = 0;
  auto outcome = sp::auth::run_with_retries(policy, "GetSecretValue", "shop/db", [&] {
    ++calls;
    return failure(503);
  });
  CHECK(calls == 1);
  CHECK(outcome.deadline_reached);
  CHECK(waits.empty());
}

TEST_CASE("attempt timeout follows the deadline", "[auth]") {
  RetryPolicy policy;
  policy.request_timeout = std::chrono::milliseconds(5'000);
  CHECK(sp::auth::attempt_timeout(policy) == std::chrono::milliseconds(5'000));
  policy.deadline = sp::auth::Clock::now() + std::chrono::milliseconds(1'000);
  CHECK(sp::auth::attempt_timeout(policy) <= std::chrono::milliseconds(1'000));
  policy.deadline = sp::auth::Clock::now() - std::chrono::milliseconds(1);
  CHECK(sp::auth::attempt_timeout(policy) == std::chrono::milliseconds(1));
}
