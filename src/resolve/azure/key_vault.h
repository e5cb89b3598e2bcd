// Azure Key Vault names: vault hosts per cloud, secret URLs, and the data
// action a secret read needs.
#pragma once

#include <optional>
#include <string>

#include "core/model.h"

namespace sp::resolve::azure {

/// The operation of every Key Vault secret read edge: the Azure RBAC data
/// action of Get Secret. An access-policy vault grants the same read as the
/// `secrets/get` permission. A ForbiddenByRbac error names this action, so
/// the report uses the spelling a reader finds in Azure's own messages.
inline constexpr const char* kGetSecretAction =
    "Microsoft.KeyVault/vaults/secrets/getSecret/action";

/// The data action that lists secret names (External Secrets dataFrom.find).
inline constexpr const char* kListSecretsAction =
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action";

/// Returns the vault DNS suffix of a cloud name as the Azure SDKs spell it
/// (AzurePublicCloud: vault.azure.net, AzureUSGovernmentCloud:
/// vault.usgovcloudapi.net, AzureChinaCloud: vault.azure.cn), compared
/// case-insensitively; empty for other clouds.
std::string vault_suffix(const std::string& cloud);

/// True for a GUID in the 8-4-4-4-12 hexadecimal form (tenant and client IDs).
bool is_guid(const std::string& text);

/// True for a Key Vault object name: 1 to 127 letters, digits and hyphens.
bool is_object_name(const std::string& text);

/// Returns the host of a vault URL such as `https://shop-kv.vault.azure.net/`,
/// or nullopt when `url` is not an https URL with a host and at most a `/` path.
std::optional<std::string> vault_host(const std::string& url);

/// True for a Key Vault name: 3 to 24 letters, digits and hyphens.
bool is_vault_name(const std::string& text);

/// True for a Key Vault secret version: 32 hexadecimal digits.
bool is_secret_version(const std::string& text);

/// True for <vault>.vault.azure.net and the Government and China suffixes.
bool is_vault_host(const std::string& host);

/// Returns the secret target the Get Secret call names:
/// `https://<host>/secrets/<name>`, plus `/<version>` when pinned.
SecretTarget make_secret_target(const std::string& host, const std::string& name,
                                const std::string& version);

}  // namespace sp::resolve::azure
