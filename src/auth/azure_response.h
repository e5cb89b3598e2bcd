// Reading Azure error responses in their two shapes: Entra ID's OAuth error
// ({"error":"invalid_client","error_description":"AADSTS700213: ...",
// "error_codes":[700213],"trace_id":...}) and Key Vault's KeyVaultError
// ({"error":{"code":"Forbidden","message":...,"innererror":{"code":
// "ForbiddenByRbac"}}}).
#pragma once

#include <string>

#include "core/model.h"
#include "util/http.h"

namespace sp::auth {

/// Returns the provider error of a non-2xx Entra ID token response. The code
/// is "AADSTS<n>" from error_codes[0] when present, else the OAuth `error`.
/// The message is error_description up to its "Trace ID:" tail, and the
/// request id is trace_id. A transport failure gives http_status 0 and the curl
/// error as the message.
ProviderError parse_entra_error(const http::Response& response);

/// Returns error_codes[0] of an Entra ID error code "AADSTS<n>", or 0.
long aadsts_number(const ProviderError& error);

/// Returns the provider error of a non-2xx Key Vault response: error.code
/// (Forbidden, SecretNotFound, Unauthorized), error.message and the
/// x-ms-request-id header.
ProviderError parse_keyvault_error(const http::Response& response);

/// Returns the innermost innererror.code of a KeyVaultError body
/// (ForbiddenByRbac, AccessDenied, SecretDisabled), or "".
std::string keyvault_inner_code(const std::string& body);

}  // namespace sp::auth
