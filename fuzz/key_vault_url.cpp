// Key Vault URLs: secret identifiers (`https://<vault>.vault.azure.net/
// secrets/<name>[/<version>]`), vault URLs and hosts. A URL that passes
// must name a Key Vault host, because the identity's token goes there.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "auth/azure_endpoints.h"
#include "resolve/azure/key_vault.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  namespace azure = sp::resolve::azure;
  std::optional<sp::auth::KeyVaultSecret> secret = sp::auth::parse_keyvault_secret_id(text);
  if (secret) {
    std::optional<std::string> host = azure::vault_host(secret->vault_url + "/");
    if (!host) std::abort();
    (void)secret->id();
    (void)sp::auth::keyvault_secret_url(*secret);
  }
  std::optional<std::string> host = azure::vault_host(text);
  if (host && !azure::is_vault_host(*host)) std::abort();
  (void)azure::is_guid(text);
  (void)azure::is_object_name(text);
  (void)azure::is_vault_name(text);
  (void)azure::is_secret_version(text);
  (void)azure::vault_suffix(text);
  return 0;
}
