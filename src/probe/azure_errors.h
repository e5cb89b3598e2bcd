// Turning Azure errors into verdicts, layers and fixes. Key Vault's 403
// inner code decides the layer. ForbiddenByRbac is the RBAC role
// assignment, AccessDenied and ForbiddenByPolicy the vault's access policy,
// ForbiddenByFirewall and ForbiddenByConnection the network rules, and
// SecretDisabled is the disabled verdict. 404 SecretNotFound is not-found,
// 401 is identity-unavailable, and faults that retries did not clear are
// inconclusive, never ok. Entra ID's AADSTS codes decide token failures: no matching
// federated identity credential is identity-unavailable at the trust policy,
// with the credential to add as the fix.
#pragma once

#include <optional>
#include <string>

#include "auth/azure_endpoints.h"
#include "auth/azure_tokens.h"
#include "core/model.h"
#include "probe/aws_errors.h"

namespace sp::probe {

/// The names Azure fixes use: the identity, its tenant, the secret and the CI token.
struct AzureFixContext {
  /// Client ID of the managed identity or app registration.
  std::string client_id;
  std::string tenant;
  auth::KeyVaultSecret secret;
  /// The CI token's claims, when it was read.
  std::optional<auth::TokenClaims> claims;
  /// Audience the CI token was requested for (azure.audience).
  std::string audience = "api://AzureADTokenExchange";
};

/// Returns the value after `field=` in a Key Vault caller description
/// ("appid=<id>;oid=<oid>;iss=..."), or "" when absent. `field` is "oid" or "appid".
std::string caller_field(const std::string& message, const std::string& field);

/// Returns the quoted resource id after "Resource: '" in a ForbiddenByRbac
/// message, or "".
std::string rbac_resource(const std::string& message);

/// Returns the tenant of the authorization="..." (or authorization_uri)
/// parameter of a Key Vault WWW-Authenticate challenge, or "".
std::string challenge_tenant(const std::string& challenge);

/// Returns the az commands that add the federated identity credential
/// matching the CI token, for a user-assigned managed identity and for an
/// app registration.
std::string federated_credential_fix(const AzureFixContext& context);

/// Classifies a Key Vault Get Secret error. `inner_code` is the innermost
/// innererror.code; `challenge` is the WWW-Authenticate header of a 401.
Classification classify_keyvault_error(const ProviderError& error, const std::string& inner_code,
                                       const std::string& challenge, const AzureFixContext& context,
                                       bool deadline_reached);

/// Classifies a failure to obtain the CI token or the Entra ID token.
Classification classify_azure_token_failure(const auth::AzureTokenFailure& failure, const AzureFixContext& context);

}  // namespace sp::probe
