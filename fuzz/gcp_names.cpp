// Google Cloud names: Secret Manager resource names and the ID, version and
// email checks the resolvers apply to manifest values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "config/config.h"
#include "resolve/gcp/names.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  namespace gcp = sp::resolve::gcp;
  std::optional<gcp::SecretName> name = gcp::parse_secret_name(text);
  if (name && !name->version.empty()) {
    // A full version name prints back as it was written.
    if (gcp::version_name(*name) != text) std::abort();
    (void)gcp::make_secret_target(*name);
  }
  (void)gcp::is_secret_id(text);
  (void)gcp::is_version_number_or_latest(text);
  (void)gcp::is_version(text);
  (void)gcp::is_service_account_email(text);
  static const sp::config::Config config = [] {
    sp::config::Config value;
    value.gcp.projects.push_back({"shop-prod", "123456789", "", {}});
    return value;
  }();
  (void)gcp::project_number(config, text);
  return 0;
}
