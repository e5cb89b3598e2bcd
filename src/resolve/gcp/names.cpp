#include "resolve/gcp/names.h"

#include <regex>

#include "util/regex.h"

namespace sp::resolve::gcp {
namespace {

const std::regex kSecretNamePattern(
    "^projects/([^/]+)/(?:locations/([^/]+)/)?secrets/([^/]+)(?:/versions/([^/]+))?$");
const std::regex kSecretIdPattern("^[A-Za-z0-9_-]{1,255}$");
const std::regex kVersionPattern("^(latest|[1-9][0-9]*)$");
// Secret Manager version aliases: a letter, then up to 62 letters, digits,
// '-' or '_'. Anything else would change the request path (a '/', '?' or
// '#' in a version names another resource).
const std::regex kVersionAliasPattern("^[A-Za-z][A-Za-z0-9_-]{0,62}$");
const std::regex kEmailPattern(R"(^[^@\s]+@[^@\s]+\.[^@\s]+$)");
const std::regex kDigitsPattern("^[0-9]+$");

}  // namespace

std::optional<SecretName> parse_secret_name(const std::string& text) {
  // std::regex recurses per character, so long text is rejected first.
  if (text.size() > util::kMaxRegexInput) return std::nullopt;
  std::smatch match;
  if (!std::regex_match(text, match, kSecretNamePattern)) return std::nullopt;
  return SecretName{match[1].str(), match[2].str(), match[3].str(), match[4].str()};
}

std::string version_name(const SecretName& name) {
  std::string text = "projects/" + name.project;
  if (!name.location.empty()) text += "/locations/" + name.location;
  return text + "/secrets/" + name.secret + "/versions/" + name.version;
}

bool is_secret_id(const std::string& text) { return std::regex_match(text, kSecretIdPattern); }

bool is_version_number_or_latest(const std::string& text) {
  return util::regex_full_match(text, kVersionPattern);
}

bool is_version(const std::string& text) {
  return util::regex_full_match(text, kVersionPattern) ||
         util::regex_full_match(text, kVersionAliasPattern);
}

bool is_service_account_email(const std::string& text) {
  return util::regex_full_match(text, kEmailPattern);
}

SecretTarget make_secret_target(const SecretName& name) {
  SecretTarget target;
  target.provider = "gcp";
  target.service = "secretmanager";
  target.id = version_name(name);
  target.project = name.project;
  target.region = name.location;
  return target;
}

std::string project_number(const config::Config& config, const std::string& project) {
  if (util::regex_full_match(project, kDigitsPattern)) return project;
  const config::GcpProject* found = config::find_gcp_project(config, project);
  return found ? found->number : "";
}

std::string gke_principal(const std::string& project_number, const std::string& pool_project,
                          const std::string& kubernetes_namespace,
                          const std::string& service_account) {
  return "principal://iam.googleapis.com/projects/" + project_number +
         "/locations/global/workloadIdentityPools/" + pool_project + ".svc.id.goog/subject/ns/" +
         kubernetes_namespace + "/sa/" + service_account;
}

std::string gke_member(const std::string& pool_project, const std::string& kubernetes_namespace,
                       const std::string& service_account) {
  return "serviceAccount:" + pool_project + ".svc.id.goog[" + kubernetes_namespace + "/" +
         service_account + "]";
}

std::string default_compute_service_account(const std::string& project_number) {
  return project_number + "-compute@developer.gserviceaccount.com";
}

}  // namespace sp::resolve::gcp
