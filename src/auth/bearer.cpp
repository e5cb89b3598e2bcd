#include "auth/bearer.h"

#include <chrono>

namespace sp::auth {

RetryOutcome send_with_bearer(http::HttpTransport& transport, const SensitiveString& token,
                              const RetryPolicy& retry, http::Request& request,
                              const std::string& operation, const std::string& target,
                              ErrorParser parse_error) {
  request.headers.emplace_back("Authorization", "Bearer " + token.reveal());
  request.headers.emplace_back("Accept", "application/json");
  RetryOutcome outcome = run_with_retries(retry, operation, target, [&] {
    request.timeout = attempt_timeout(retry);
    Attempt attempt;
    attempt.response = transport.perform(request);
    if (!attempt.response.ok()) attempt.error = parse_error(attempt.response);
    return attempt;
  });
  for (auto& [name, value] : request.headers)
    if (name == "Authorization") wipe(value);
  return outcome;
}

}  // namespace sp::auth
