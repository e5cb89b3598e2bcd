#include "probe/gcp_errors.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "auth/aws_response.h"

namespace sp::probe {
namespace {

std::string describe(const ProviderError& error) {
  std::string text = error.code.empty() ? (error.http_status == 0 ? std::string("connection failed")
                                                                  : "HTTP " + std::to_string(error.http_status))
                                        : error.code;
  if (!error.message.empty()) text += ": " + error.message;
  return text;
}

// Returns the project number and pool of a provider resource name
// projects/<NUM>/locations/global/workloadIdentityPools/<POOL>/providers/<PROV>.
std::pair<std::string, std::string> project_and_pool(const std::string& resource_name) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= resource_name.size()) {
    size_t slash = resource_name.find('/', start);
    parts.push_back(resource_name.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string number = "<NUM>";
  std::string pool = "<POOL>";
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i] == "projects") number = parts[i + 1];
    if (parts[i] == "workloadIdentityPools") pool = parts[i + 1];
  }
  return {number, pool};
}

bool is_transient(const ProviderError& error) { return auth::is_retryable(error); }

// NOTE: Google's invalid_grant texts for an expired or future token are not
// confirmed; these words match the emulator's guesses and RFC 6749 usage.
bool is_token_time_error(const ProviderError& error) {
  if (error.code != "invalid_grant") return false;
  std::string message = error.message;
  std::transform(message.begin(), message.end(), message.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"stale", "expired", "in the future", "not yet valid"})
    if (message.find(word) != std::string::npos) return true;
  return false;
}

Classification inconclusive(std::string message, bool deadline_reached) {
  Classification result;
  result.verdict = Verdict::kInconclusive;
  result.message = std::move(message);
  result.fix = deadline_reached ? "Rerun with a longer deadline." : "Rerun the check.";
  return result;
}

std::string access_fix(const GoogleFixContext& context) {
  const std::string member = iam_member(context.principal);
  return "Grant roles/secretmanager.secretAccessor to " + member + " on the secret: gcloud secrets "
         "add-iam-policy-binding " + context.secret.secret + " --project=" + context.secret.project +
         " --role=roles/secretmanager.secretAccessor --member=\"" + member +
         "\" (or on project " + context.secret.project + "), and check that the secret exists.";
}

}  // namespace

std::string iam_member(const std::string& principal) {
  if (principal.starts_with("principal://") || principal.starts_with("principalSet://")) return principal;
  return "serviceAccount:" + principal;
}

std::string repository_principal_set(const auth::WorkloadProvider& provider, const std::string& repository) {
  auto [number, pool] = project_and_pool(provider.resource_name);
  return "principalSet://iam.googleapis.com/projects/" + number + "/locations/global/workloadIdentityPools/" +
         pool + "/attribute.repository/" + (repository.empty() ? "<owner>/<repo>" : repository);
}

std::string workload_identity_user_binding(const std::string& service_account,
                                           const auth::WorkloadProvider& provider,
                                           const std::string& repository) {
  return "gcloud iam service-accounts add-iam-policy-binding " + service_account +
         " --role=roles/iam.workloadIdentityUser --member=\"" + repository_principal_set(provider, repository) +
         "\"";
}

Classification classify_secret_access_error(const ProviderError& error, const std::string& reason,
                                            const GoogleFixContext& context, bool deadline_reached) {
  const std::string subject = "secretmanager.versions.access on " + context.secret.version_name() + " as " +
                              context.principal;
  const std::string cause = describe(error);
  if (is_transient(error) || deadline_reached)
    return inconclusive(subject + " did not get a clean answer after retries: " + cause, deadline_reached);

  Classification result;
  const std::string& code = error.code;
  if (code == "PERMISSION_DENIED" || (code.empty() && error.http_status == 403)) {
    result.verdict = Verdict::kDenied;
    if (reason == "SERVICE_DISABLED" || error.message.find("has not been used in project") != std::string::npos) {
      result.layer = Layer::kUnknown;
      result.message = subject + " was denied because the Secret Manager API is disabled: " + cause;
      result.fix = "Enable the Secret Manager API in project " + context.secret.project +
                   ": gcloud services enable secretmanager.googleapis.com --project=" + context.secret.project + ".";
      return result;
    }
    // Google returns PERMISSION_DENIED for a secret that does not exist when
    // the caller has no access, so this verdict does not prove the secret exists.
    result.layer = Layer::kIamBinding;
    result.message = subject + " was denied (or the secret may not exist; Google does not say which " +
                     "without access): " + cause;
    result.fix = access_fix(context);
    return result;
  }
  if (code == "NOT_FOUND" || (code.empty() && error.http_status == 404)) {
    result.verdict = Verdict::kNotFound;
    result.message = subject + " found no such secret or version: " + cause;
    result.fix = "Create secret " + context.secret.secret + " with a version in project " + context.secret.project +
                 ", or fix the project, secret or version in the reference.";
    return result;
  }
  if (code == "FAILED_PRECONDITION" && (error.message.find("DISABLED state") != std::string::npos ||
                                        error.message.find("DESTROYED state") != std::string::npos)) {
    const bool destroyed = error.message.find("DESTROYED state") != std::string::npos;
    result.verdict = Verdict::kDisabled;
    result.message = subject + " found the version " + (destroyed ? "destroyed" : "disabled") + ": " + cause;
    result.fix = destroyed ? "Add a new version to secret " + context.secret.secret +
                                 " or point the reference at an enabled version (a destroyed version cannot be restored)."
                           : "Enable the version (gcloud secrets versions enable), or point the reference at an "
                             "enabled version.";
    if (context.secret.version == "latest")
      result.fix += " \"latest\" is the most recently created version, even when it is not enabled.";
    return result;
  }
  if (code == "UNAUTHENTICATED" || (code.empty() && error.http_status == 401)) {
    result.verdict = Verdict::kIdentityUnavailable;
    result.layer = Layer::kUnknown;
    result.message = "Secret Manager rejected the access token of " + context.principal + ": " + cause +
                     "; this says nothing about the secret";
    result.fix = "Rerun the check; if it repeats, check that the token's scope includes cloud-platform.";
    return result;
  }
  if (code == "INVALID_ARGUMENT") {
    // A name Secret Manager rejects cannot exist, and the platform's read
    // would fail the same way.
    result.verdict = Verdict::kNotFound;
    result.message = subject + " was rejected as an invalid name: " + cause;
    result.fix = "Fix the project, secret or version in the reference; secret ids contain only letters, "
                 "digits, '-' and '_'.";
    return result;
  }
  // NOTE: other FAILED_PRECONDITION errors (such as a customer-managed key
  // the principal cannot use) are reported as inconclusive because their
  // layer is not known.
  result.message = subject + " failed: " + cause;
  result.fix = "Read the provider's error; secret-preflight has no rule for it.";
  return result;
}

Classification classify_google_token_failure(const auth::GoogleTokenFailure& failure,
                                             const GoogleFixContext& context) {
  Classification result;
  const std::string target = context.principal;
  if (failure.step == auth::GoogleStep::kCiToken) {
    result.verdict = failure.token_error_transient ? Verdict::kInconclusive : Verdict::kIdentityUnavailable;
    result.message = "the CI could not become " + target + ": " + failure.token_error;
    result.fix = failure.token_error_transient
                     ? "Rerun the check."
                     : "Give the job `permissions: id-token: write` and run it from the repository itself "
                       "(fork pull requests get no OIDC token), or pass --token-file or --token-env.";
    return result;
  }
  const bool exchange = failure.step == auth::GoogleStep::kExchange;
  const std::string step = exchange ? "the STS token exchange at " + context.provider.resource_name
                                    : "generateAccessToken";
  if (!failure.error)
    return inconclusive("the run deadline passed before " + step + " for " + target, true);

  const ProviderError& error = *failure.error;
  result.message = "the CI could not become " + target + " (" + step + "): " + describe(error) +
                   "; this says nothing about secret " + context.secret.secret_name();
  if (is_transient(error) || failure.deadline_reached) {
    result.verdict = Verdict::kInconclusive;
    result.fix = failure.deadline_reached ? "Rerun with a longer deadline." : "Rerun the check.";
    return result;
  }
  // An expired CI token, a wrong runner clock or a 200 without a token shows
  // nothing about the provider's trust settings.
  if (exchange && is_token_time_error(error)) {
    result.verdict = Verdict::kInconclusive;
    result.fix = "Google STS found the CI token expired or not yet valid: check the runner's clock and that "
                 "--token-file or --token-env holds a fresh OIDC token, then rerun.";
    return result;
  }
  if (error.http_status >= 200 && error.http_status < 300) {
    result.verdict = Verdict::kInconclusive;
    result.fix = "Rerun the check; Google answered without a token.";
    return result;
  }
  result.verdict = Verdict::kIdentityUnavailable;
  const std::string binding = workload_identity_user_binding(target, context.provider, context.repository);
  if (exchange) {
    const std::string& code = error.code;
    if (code == "unauthorized_client") {
      result.layer = Layer::kTrustPolicy;
      result.fix = "Change the attribute condition of provider " + context.provider.resource_name +
                   " so that it accepts repository " +
                   (context.repository.empty() ? std::string("<owner>/<repo>") : context.repository) +
                   " (conditions are case-sensitive).";
    } else if (code == "invalid_target") {
      result.layer = Layer::kTrustPolicy;
      result.fix = "Create or enable workload identity pool provider " + context.provider.resource_name +
                   ", or fix gcp.workload_identity_provider in the config file.";
    } else if (code == "invalid_grant") {
      result.layer = Layer::kTrustPolicy;
      result.fix = "Make provider " + context.provider.resource_name + " accept the CI token: issuer " +
                   "https://token.actions.githubusercontent.com and audience " + context.provider.token_audience +
                   " (or set gcp.audience to one of its allowed audiences).";
    } else {
      result.layer = Layer::kUnknown;
      result.fix = "Check gcp.workload_identity_provider in the config file: it must be the provider's full "
                   "name with the project number, projects/<NUM>/locations/global/workloadIdentityPools/"
                   "<POOL>/providers/<PROV>.";
    }
    return result;
  }
  if (error.code == "PERMISSION_DENIED" || (error.code.empty() && error.http_status == 403)) {
    // generateAccessToken answers the same for a missing service account.
    result.layer = Layer::kTrustPolicy;
    result.message += " (or the service account may not exist)";
    result.fix = "Let the CI's repository impersonate " + target + ": " + binding;
  } else if (error.code == "NOT_FOUND") {
    result.layer = Layer::kUnknown;
    result.fix = "Check that service account " + target + " exists, or fix the service account in the manifest.";
  } else {
    result.layer = Layer::kUnknown;
    result.fix = "Check that the federated principal may impersonate " + target + ": " + binding;
  }
  return result;
}

}  // namespace sp::probe
