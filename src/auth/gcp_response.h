// Reading Google error responses in their two shapes: google.rpc.Status
// ({"error":{"code":403,"message":...,"status":"PERMISSION_DENIED",
// "details":[...]}}) from IAM Credentials, IAM, Secret Manager and Policy
// Troubleshooter, and the OAuth shape ({"error":"invalid_grant",
// "error_description":...}) from the STS token endpoint.
#pragma once

#include <string>

#include "core/model.h"
#include "util/http.h"

namespace sp::auth {

/// Returns the provider error of a non-2xx `response`. The code is the
/// canonical status (PERMISSION_DENIED) or the OAuth error (invalid_grant);
/// when the body has neither, the code is empty and http_status says what
/// happened. A transport failure gives http_status 0 and the curl error as
/// the message.
ProviderError parse_google_error(const http::Response& response);

/// Returns the `reason` of the first google.rpc.ErrorInfo in `body`'s
/// details (IAM_PERMISSION_DENIED, SERVICE_DISABLED), or "".
std::string google_error_reason(const std::string& body);

}  // namespace sp::auth
