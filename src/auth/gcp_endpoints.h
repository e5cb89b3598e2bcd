// Where each Google API is reached. Follows gcloud's endpoint override
// convention: CLOUDSDK_API_ENDPOINT_OVERRIDES_<API> holds a base URL such as
// https://secretmanager.googleapis.com/, used verbatim, and the request path
// (v1/...) is appended to it.
#pragma once

#include <string>
#include <string_view>

namespace sp::auth {

enum class GoogleApi { kSts, kIamCredentials, kIam, kSecretManager, kPolicyTroubleshooter };

/// Returns the environment variable that overrides `api`'s base URL, e.g.
/// CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER.
std::string google_override_variable(GoogleApi api);

/// Returns the base URL of `api`, ending in '/': the override variable when
/// set and non-empty, else https://<api>.googleapis.com/.
std::string google_base_url(GoogleApi api);

/// Returns the base URL of `api` followed by `path` (given without a leading '/').
std::string google_url(GoogleApi api, std::string_view path);

}  // namespace sp::auth
