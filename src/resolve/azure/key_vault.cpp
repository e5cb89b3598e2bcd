#include "resolve/azure/key_vault.h"

#include <algorithm>
#include <cctype>
#include <regex>

#include "util/regex.h"

namespace sp::resolve::azure {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::string vault_suffix(const std::string& cloud) {
  std::string name = lower(cloud);
  if (name == "azurepubliccloud") return "vault.azure.net";
  if (name == "azureusgovernmentcloud") return "vault.usgovcloudapi.net";
  if (name == "azurechinacloud") return "vault.azure.cn";
  return "";
}

bool is_guid(const std::string& text) {
  static const std::regex pattern(
      "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  return std::regex_match(text, pattern);
}

bool is_object_name(const std::string& text) {
  static const std::regex pattern("^[0-9a-zA-Z-]{1,127}$");
  return std::regex_match(text, pattern);
}

bool is_vault_name(const std::string& text) {
  // Key Vault names: 3 to 24 letters, digits and hyphens, starting with a
  // letter. Anything else could change the host a token is sent to.
  static const std::regex pattern("^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$");
  return std::regex_match(text, pattern);
}

bool is_secret_version(const std::string& text) {
  // Key Vault secret versions are 32 hexadecimal digits.
  static const std::regex pattern("^[0-9a-fA-F]{32}$");
  return std::regex_match(text, pattern);
}

bool is_vault_host(const std::string& host) {
  for (const char* suffix : {".vault.azure.net", ".vault.usgovcloudapi.net", ".vault.azure.cn"}) {
    std::string tail = suffix;
    if (host.size() > tail.size() && host.ends_with(tail) &&
        is_vault_name(host.substr(0, host.size() - tail.size())))
      return true;
  }
  return false;
}

std::optional<std::string> vault_host(const std::string& url) {
  const std::string scheme = "https://";
  if (!url.starts_with(scheme)) return std::nullopt;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  std::string host = rest.substr(0, slash);
  if (slash != std::string::npos && rest.substr(slash) != "/") return std::nullopt;
  static const std::regex host_pattern("^[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$");
  if (!util::regex_full_match(host, host_pattern)) return std::nullopt;
  // Only a Key Vault host of a known cloud may receive the identity's token.
  if (!is_vault_host(lower(host))) return std::nullopt;
  return lower(host);
}

SecretTarget make_secret_target(const std::string& host, const std::string& name,
                                const std::string& version) {
  SecretTarget target;
  target.provider = "azure";
  target.service = "keyvault";
  target.id = "https://" + host + "/secrets/" + name;
  if (!version.empty()) target.id += "/" + version;
  target.version_id = version;
  return target;
}

}  // namespace sp::resolve::azure
