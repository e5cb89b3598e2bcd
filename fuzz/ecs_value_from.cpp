// ECS `valueFrom` and `credentialsParameter` values. The first byte picks
// the form and whether the config names a region and account, because bare
// parameter names resolve against them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "resolve/aws/ecs_task_definition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  sp::config::Config config;
  if (data[0] & 2) {
    config.aws.region = "us-east-1";
    config.aws.account = "111122223333";
  }
  bool registry_credentials = data[0] & 1;
  std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)sp::resolve::aws::parse_value_from(value, config, registry_credentials);
  return 0;
}
