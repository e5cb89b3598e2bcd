// Where each Azure endpoint is reached. The login authority follows the
// azure-identity convention (AZURE_AUTHORITY_HOST); Key Vault is the
// secret's own vault URL unless SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE
// names another base; Resource Manager is SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL
// when set. Without overrides every endpoint is the public host of the
// configured cloud.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sp::auth {

/// The hosts of one Azure cloud (sovereign clouds have their own).
struct AzureCloud {
  /// Name as written in the config file's azure.cloud.
  std::string name;
  /// Entra ID authority, ending in '/': https://login.microsoftonline.com/.
  std::string authority;
  /// DNS suffix of vaults: vault.azure.net.
  std::string vault_suffix;
  /// Resource Manager base URL, ending in '/': https://management.azure.com/.
  std::string management;
};

/// Returns the cloud named AzurePublicCloud, AzureUSGovernment or
/// AzureChinaCloud (case-insensitive, as az cloud list spells them), or
/// nullopt for any other name.
std::optional<AzureCloud> azure_cloud(std::string_view name);

/// The Key Vault data-plane API version sent on every request.
inline constexpr const char* kKeyVaultApiVersion = "7.4";

/// Returns the authority host, ending in '/': AZURE_AUTHORITY_HOST when set
/// and non-empty, else the cloud's login host.
std::string azure_authority_host(const AzureCloud& cloud);

/// Returns the token endpoint <authority><tenant>/oauth2/v2.0/token.
std::string azure_token_url(const AzureCloud& cloud, const std::string& tenant);

/// Returns the OAuth scope of Key Vault: https://vault.azure.net/.default.
std::string keyvault_scope(const AzureCloud& cloud);

/// Returns the OAuth scope of Resource Manager: https://management.azure.com/.default.
std::string management_scope(const AzureCloud& cloud);

/// Returns the Resource Manager base URL, ending in '/':
/// SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL when set and non-empty, else the
/// cloud's host.
std::string management_base_url(const AzureCloud& cloud);

/// A Key Vault secret as a reference names it.
struct KeyVaultSecret {
  /// Vault name, the first label of the vault host.
  std::string vault;
  /// scheme://host[:port] of the vault, without a trailing '/'.
  std::string vault_url;
  std::string name;
  /// 32-hex version id; empty for the latest version.
  std::string version;

  /// https://<vault>.vault.azure.net/secrets/<name>[/<version>], as the reference wrote it.
  std::string id() const;
};

/// Parses `https://<vault>.vault.azure.net/secrets/<name>[/<version>]`. A
/// version in the URL wins over `version_id`. Nullopt when `id` is not a
/// secret URL with a vault host and a name.
std::optional<KeyVaultSecret> parse_keyvault_secret_id(const std::string& id, const std::string& version_id = "");

/// Returns the Get Secret URL: <vault base>/secrets/<name>[/<version>]?api-version=7.4.
/// The vault base is SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE with every
/// "{vault}" replaced by the vault name, when that variable is set and
/// non-empty, else the secret's own vault URL.
std::string keyvault_secret_url(const KeyVaultSecret& secret);

}  // namespace sp::auth
