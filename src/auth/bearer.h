// One REST call with an OAuth bearer token, retried as retry.h describes.
#pragma once

#include <string>

#include "auth/retry.h"
#include "core/model.h"
#include "util/http.h"
#include "util/sensitive.h"

namespace sp::auth {

/// Parses a failed response into the provider's error.
using ErrorParser = ProviderError (*)(const http::Response& response);

/// Sends `request` with `Authorization: Bearer <token>` and `Accept:
/// application/json`, retrying as `retry` says, and parses failures with
/// `parse_error`. The header's copy of the token is wiped afterwards.
RetryOutcome send_with_bearer(http::HttpTransport& transport, const SensitiveString& token,
                              const RetryPolicy& retry, http::Request& request,
                              const std::string& operation, const std::string& target,
                              ErrorParser parse_error);

}  // namespace sp::auth
