#include "auth/azure_endpoints.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include <cstdlib>

#include "util/url.h"

namespace sp::auth {
namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string with_slash(std::string base) {
  if (!base.ends_with('/')) base += '/';
  return base;
}

std::string lowercase(std::string_view text) {
  std::string result(text);
  for (char& c : result)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return result;
}

// Returns the scope of a resource: https://<host>/.default.
std::string default_scope(const std::string& host) { return "https://" + host + "/.default"; }

std::string management_host(const AzureCloud& cloud) {
  url::Parts parts;
  if (!url::parse(cloud.management, parts)) return "management.azure.com";
  return parts.host;
}

}  // namespace

std::optional<AzureCloud> azure_cloud(std::string_view name) {
  const std::string key = lowercase(name);
  if (key == "azurepubliccloud" || key.empty())
    return AzureCloud{"AzurePublicCloud", "https://login.microsoftonline.com/", "vault.azure.net",
                      "https://management.azure.com/"};
  if (key == "azureusgovernment" || key == "azureusgovernmentcloud")
    return AzureCloud{"AzureUSGovernment", "https://login.microsoftonline.us/", "vault.usgovcloudapi.net",
                      "https://management.usgovcloudapi.net/"};
  if (key == "azurechinacloud")
    return AzureCloud{"AzureChinaCloud", "https://login.chinacloudapi.cn/", "vault.azure.cn",
                      "https://management.chinacloudapi.cn/"};
  return std::nullopt;
}

std::string azure_authority_host(const AzureCloud& cloud) {
  std::string host = environment("AZURE_AUTHORITY_HOST");
  return with_slash(host.empty() ? cloud.authority : host);
}

std::string azure_token_url(const AzureCloud& cloud, const std::string& tenant) {
  return azure_authority_host(cloud) + tenant + "/oauth2/v2.0/token";
}

std::string keyvault_scope(const AzureCloud& cloud) { return default_scope(cloud.vault_suffix); }

std::string management_scope(const AzureCloud& cloud) { return default_scope(management_host(cloud)); }

std::string management_base_url(const AzureCloud& cloud) {
  std::string base = environment("SECRET_PREFLIGHT_AZURE_MANAGEMENT_URL");
  return with_slash(base.empty() ? cloud.management : base);
}

std::string KeyVaultSecret::id() const {
  return vault_url + "/secrets/" + name + (version.empty() ? "" : "/" + version);
}

std::optional<KeyVaultSecret> parse_keyvault_secret_id(const std::string& id, const std::string& version_id) {
  url::Parts parts;
  if (!url::parse(id, parts) || parts.host.empty()) return std::nullopt;
  KeyVaultSecret secret;
  secret.vault = parts.host.substr(0, parts.host.find('.'));
  secret.vault_url = parts.scheme + "://" + url::host_header(parts);
  // /secrets/<name>[/<version>][/]
  std::string_view path = parts.path;
  constexpr std::string_view kPrefix = "/secrets/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  if (path.ends_with('/')) path.remove_suffix(1);
  auto slash = path.find('/');
  secret.name = std::string(path.substr(0, slash));
  if (slash != std::string_view::npos) secret.version = std::string(path.substr(slash + 1));
  if (secret.version.empty()) secret.version = version_id;
  if (secret.vault.empty() || secret.name.empty() || secret.version.find('/') != std::string::npos)
    return std::nullopt;
  // The identity's token goes to this host, so it must be a Key Vault host of
  // a known cloud with a query-free path, whatever the manifest wrote.
  static const std::regex kVaultHost(
      "^[a-z][a-z0-9-]{1,22}[a-z0-9]\\.(vault\\.azure\\.net|vault\\.usgovcloudapi\\.net|"
      "vault\\.azure\\.cn)$");
  static const std::regex kName("^[0-9A-Za-z-]{1,127}$");
  static const std::regex kVersion("^([0-9a-fA-F]{32})?$");
  std::string host = parts.host;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (parts.scheme != "https" || parts.port != 0 || !parts.query.empty() ||
      !std::regex_match(host, kVaultHost) || !std::regex_match(secret.name, kName) ||
      !std::regex_match(secret.version, kVersion))
    return std::nullopt;
  return secret;
}

std::string keyvault_secret_url(const KeyVaultSecret& secret) {
  std::string base = environment("SECRET_PREFLIGHT_KEYVAULT_URL_TEMPLATE");
  if (base.empty()) {
    base = secret.vault_url;
  } else {
    for (size_t at = base.find("{vault}"); at != std::string::npos; at = base.find("{vault}", at + secret.vault.size()))
      base.replace(at, 7, secret.vault);
  }
  while (base.ends_with('/')) base.pop_back();
  std::string url = base + "/secrets/" + url::percent_encode(secret.name);
  if (!secret.version.empty()) url += "/" + url::percent_encode(secret.version);
  return url + "?api-version=" + kKeyVaultApiVersion;
}

}  // namespace sp::auth
