// Reading AWS error responses in both wire formats: JSON 1.1 (`__type`,
// `message`/`Message`, x-amzn-RequestId) and the query protocol's XML
// ErrorResponse envelope. Rules follow botocore parsers.py.
#pragma once

#include <string>

#include "core/model.h"
#include "util/http.h"

namespace sp::auth {

/// Returns the provider error of a non-2xx `response`. The code is taken
/// from `__type` (after the last '#', before the first ':'), else
/// x-amzn-ErrorType, else XML Error/Code; when none is present, the code is
/// empty and http_status says what happened. A transport failure gives
/// http_status 0 and the curl error as the message.
ProviderError parse_aws_error(const http::Response& response);

/// True for errors worth another attempt: HTTP 429 and 5xx, connection
/// failures and timeouts, and the throttling and timeout codes botocore's
/// standard retry mode retries (plus STS IDPCommunicationError).
bool is_retryable(const ProviderError& error);

/// True for throttling codes and HTTP 429.
bool is_throttling(const ProviderError& error);

/// True for the errors AWS sends when the request's signing time is too far
/// from its own clock: RequestTimeTooSkewed, RequestExpired,
/// RequestInTheFuture, and SignatureDoesNotMatch or InvalidSignatureException
/// with "Signature expired". They are not retried, because the product signs
/// with the runner's clock and cannot correct it.
bool is_clock_skew(const ProviderError& error);

}  // namespace sp::auth
