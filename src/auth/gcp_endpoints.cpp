#include "auth/gcp_endpoints.h"

#include <cstdlib>

namespace sp::auth {
namespace {

struct ApiNames {
  const char* variable_suffix;
  const char* default_base;
};

ApiNames names(GoogleApi api) {
  switch (api) {
    case GoogleApi::kSts:
      return {"STS", "https://sts.googleapis.com/"};
    case GoogleApi::kIamCredentials:
      return {"IAMCREDENTIALS", "https://iamcredentials.googleapis.com/"};
    case GoogleApi::kIam:
      return {"IAM", "https://iam.googleapis.com/"};
    case GoogleApi::kSecretManager:
      return {"SECRETMANAGER", "https://secretmanager.googleapis.com/"};
    case GoogleApi::kPolicyTroubleshooter:
      return {"POLICYTROUBLESHOOTER", "https://policytroubleshooter.googleapis.com/"};
  }
  return {"", ""};
}

}  // namespace

std::string google_override_variable(GoogleApi api) {
  return std::string("CLOUDSDK_API_ENDPOINT_OVERRIDES_") + names(api).variable_suffix;
}

std::string google_base_url(GoogleApi api) {
  const char* value = std::getenv(google_override_variable(api).c_str());
  std::string base = value != nullptr && *value != '\0' ? value : names(api).default_base;
  if (!base.ends_with('/')) base += '/';
  return base;
}

std::string google_url(GoogleApi api, std::string_view path) {
  if (path.starts_with('/')) path.remove_prefix(1);
  return google_base_url(api) + std::string(path);
}

}  // namespace sp::auth
