// Azure probes. Key Vault Get Secret runs as the workload identity, the
// read that the Secrets Store CSI driver's Azure provider and External
// Secrets perform. Key Vault's 401 challenge names a vault's tenant, and a
// managed identity's federated identity credentials hold the AKS trust edge.
#pragma once

#include <optional>
#include <string>

#include "auth/retry.h"
#include "core/model.h"
#include "probe/azure_errors.h"
#include "probe/shared_reads.h"
#include "util/http.h"
#include "util/sensitive.h"

namespace sp::probe {

struct AzureCall {
  http::HttpTransport& transport;
  /// Bearer token for the called resource (Key Vault or Resource Manager).
  const SensitiveString& token;
  auth::RetryPolicy retry;
  /// Other edges' JSON keys to check against the value read; may be null.
  SharedKeys* shared = nullptr;
};

/// Performs GET <vault>/secrets/<name>[/<version>]?api-version=7.4 with the
/// call's token, checks `json_key` in the value when one is named, and
/// wipes the value. It never quotes the value in a message.
Classification get_keyvault_secret(const AzureFixContext& context, const std::string& json_key,
                                   const AzureCall& call, std::optional<ProviderError>& error);

/// Returns the tenant that `secret`'s vault names in the 401 challenge to an
/// unauthenticated Get Secret (WWW-Authenticate: Bearer
/// authorization="https://login.microsoftonline.com/<TENANT>"), or "" when
/// the vault sends no challenge.
std::string discover_vault_tenant(http::HttpTransport& transport, const auth::KeyVaultSecret& secret,
                                  const auth::RetryPolicy& retry);

struct FederatedCredentialCheck {
  enum class Outcome { kAdmitted, kNotAdmitted, kNotChecked };
  Outcome outcome = Outcome::kNotChecked;
  /// kNotAdmitted: what is missing. kNotChecked: why the list was not read.
  std::string note;
  /// kNotAdmitted: the az command that adds the credential.
  std::string fix;
};

/// Lists the federated identity credentials of the user-assigned managed
/// identity `identity_resource_id` (/subscriptions/<S>/resourceGroups/<G>/
/// providers/Microsoft.ManagedIdentity/userAssignedIdentities/<NAME>) through
/// Resource Manager and checks that one admits `issuer` and `subject` with
/// audience api://AzureADTokenExchange, the audience the AKS webhook's
/// projected token carries.
FederatedCredentialCheck check_federated_credentials(const auth::AzureCloud& cloud,
                                                     const std::string& identity_resource_id,
                                                     const std::string& issuer, const std::string& subject,
                                                     const AzureCall& call);

/// Checks a federatedIdentityCredentials list response (`body`) as
/// check_federated_credentials() does; `identity` names the identity in notes.
FederatedCredentialCheck match_federated_credentials(const std::string& body, const std::string& identity,
                                                     const std::string& issuer, const std::string& subject);

}  // namespace sp::probe
