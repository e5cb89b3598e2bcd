#include "auth/endpoints.h"

#include <regex>

#include <cstdlib>
#include <cstring>
#include <strings.h>

#include "config/config.h"
#include "util/regex.h"

namespace sp::auth {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// The environment-variable suffix is the model's serviceId, uppercased, with
// spaces turned into underscores (AWS SDKs and Tools reference, "Service-specific endpoints").
const char* env_suffix(Service service) {
  switch (service) {
    case Service::kSts: return "STS";
    case Service::kSecretsManager: return "SECRETS_MANAGER";
    case Service::kSsm: return "SSM";
    case Service::kIam: return "IAM";
    case Service::kKms: return "KMS";
  }
  return "";
}

std::string strip_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string signing_name(Service service) {
  switch (service) {
    case Service::kSts: return "sts";
    case Service::kSecretsManager: return "secretsmanager";
    case Service::kSsm: return "ssm";
    case Service::kIam: return "iam";
    case Service::kKms: return "kms";
  }
  return "";
}

bool is_aws_region(const std::string& region) {
  // us-east-1, eu-central-2, us-gov-west-1, cn-north-1, us-isob-east-1, ...
  static const std::regex kRegion("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$");
  return util::regex_full_match(region, kRegion);
}

std::string endpoint_url(Service service, const std::string& region) {
  if (strcasecmp(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").c_str(), "true") != 0) {
    std::string specific = env((std::string("AWS_ENDPOINT_URL_") + env_suffix(service)).c_str());
    if (!specific.empty()) return strip_trailing_slash(specific);
    std::string global = env("AWS_ENDPOINT_URL");
    if (!global.empty()) return strip_trailing_slash(global);
  }
  if (service == Service::kIam) return "https://iam.amazonaws.com";
  return "https://" + signing_name(service) + "." + region + ".amazonaws.com";
}

std::string signing_region(Service service, const std::string& region) {
  return service == Service::kIam ? "us-east-1" : region;
}

std::string default_region(const config::Config* config) {
  std::string region = env("AWS_REGION");
  if (region.empty()) region = env("AWS_DEFAULT_REGION");
  if (region.empty() && config != nullptr) region = config->aws.region;
  return region;
}

}  // namespace sp::auth
