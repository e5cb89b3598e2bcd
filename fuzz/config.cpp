// The config file `.github/secret-preflight.yml`, parsed from the input,
// then the lookups the pipeline makes on the result.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<sp::Diagnostic> diagnostics;
  sp::config::Config config =
      sp::config::parse_config_text(".github/secret-preflight.yml", text, diagnostics);
  const std::string role = "arn:aws:iam::111122223333:role/api-runtime";
  (void)sp::config::find_role_access(config, role);
  (void)sp::config::preflight_role_for(config, role);
  (void)sp::config::find_gcp_project(config, "shop-prod");
  return 0;
}
