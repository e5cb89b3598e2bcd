#include "config/config.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

#include "util/edit_distance.h"
#include "util/glob.h"
#include "util/regex.h"
#include "util/text.h"
#include "util/yaml_node.h"

namespace sp::config {
namespace {

const std::regex kRegionPattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
const std::regex kAccountPattern("^[0-9]{12}$");
// The EKS pod identity webhook's check for role ARNs.
const std::regex kRoleArnPattern(R"(^arn:aws[a-z0-9-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$)");
const std::regex kRolePatternPattern(
    R"(^arn:aws[a-z0-9-*]*:iam::[0-9*]{1,12}:role/[\w+=,.@/*-]+$)");
const std::regex kDatePattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
// Google Cloud resource names: a workload identity pool provider, a project
// number, a project ID (6 to 30 characters, lowercase letters, digits and
// hyphens, starting with a letter) and a service account email.
const std::regex kWorkloadIdentityProviderPattern(
    "^projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]+/providers/[a-z0-9-]+$");
const std::regex kProjectNumberPattern("^[0-9]+$");
const std::regex kProjectIdPattern("^[a-z][a-z0-9-]{4,28}[a-z0-9]$");
const std::regex kServiceAccountEmailPattern(R"(^[a-z0-9][a-z0-9.-]*@[a-z0-9][a-z0-9.-]*\.[a-z]+$)");
// An Entra tenant ID: a GUID in its 8-4-4-4-12 hexadecimal form.
const std::regex kGuidPattern(
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
const std::regex kManagedIdentityIdPattern(
    "/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.ManagedIdentity/"
    "userAssignedIdentities/[^/]+",
    std::regex::icase);
// The cloud names the Azure SDKs and the Key Vault CSI provider's cloudName accept.
const std::vector<std::string> kAzureClouds = {"AzurePublicCloud", "AzureUSGovernmentCloud",
                                               "AzureChinaCloud"};

/// Walks the parsed file, filling Config and adding a diagnostic for every
/// unknown key and invalid value. Each reader takes the node and its dotted
/// name ("aws.roles[0].via") for messages.
class ConfigReader {
 public:
  ConfigReader(std::string path, std::vector<std::string> lines,
               std::vector<Diagnostic>& diagnostics)
      : path_(std::move(path)), lines_(std::move(lines)), diagnostics_(diagnostics) {}

  void read(const YAML::Node& root, Config& config) {
    if (!root || root.IsNull()) return;
    if (!expect_map(root, "the config file")) return;
    for (const auto& [key, value] :
         entries(root, "", {"version", "aws", "kubernetes", "gcp", "azure", "ignores"})) {
      if (key == "version") read_version(value);
      if (key == "aws") read_aws(value, config.aws);
      if (key == "kubernetes") read_kubernetes(value, config.kubernetes);
      if (key == "gcp") read_gcp(value, config.gcp);
      if (key == "azure") read_azure(value, config.azure);
      if (key == "ignores") read_ignores(value, config.ignores);
    }
  }

 private:
  using Entries = std::vector<std::pair<std::string, YAML::Node>>;

  // Returns the entries of `map` whose keys are in `valid`, reporting the
  // others with the closest valid key.
  Entries entries(const YAML::Node& map, const std::string& name,
                  const std::vector<std::string>& valid) {
    Entries known;
    for (const auto& entry : map) {
      std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
      if (std::find(valid.begin(), valid.end(), key) != valid.end()) {
        known.emplace_back(key, entry.second);
        continue;
      }
      std::string where = name.empty() ? "at the top level" : "in \"" + name + "\"";
      std::string message = "unknown key \"" + key + "\" " + where;
      std::string suggestion = util::closest_match(key, valid);
      if (!suggestion.empty()) {
        message += "; did you mean \"" + suggestion + "\"?";
      } else {
        message += "; valid keys are " + join(valid);
      }
      report(entry.first, message);
    }
    return known;
  }

  void read_version(const YAML::Node& node) {
    if (scalar(node, "version") != "1")
      invalid(node, "version", "expected 1, the only config version");
  }

  void read_aws(const YAML::Node& node, AwsSettings& aws) {
    if (!expect_map(node, "aws")) return;
    for (const auto& [key, value] :
         entries(node, "aws",
                 {"region", "account", "audience", "session_policy", "preflight_role", "roles",
                  "max_concurrency"})) {
      std::string name = "aws." + key;
      if (key == "region")
        aws.region = matching(value, name, kRegionPattern, "an AWS region such as us-east-1");
      if (key == "account")
        aws.account = matching(value, name, kAccountPattern, "a 12-digit AWS account ID");
      if (key == "audience") aws.audience = required_text(value, name);
      if (key == "session_policy") aws.session_policy = boolean(value, name, aws.session_policy);
      if (key == "preflight_role") aws.preflight_role = role_arn(value, name);
      if (key == "roles") read_roles(value, aws.roles);
      if (key == "max_concurrency") aws.max_concurrency = positive(value, name, aws.max_concurrency);
    }
  }

  void read_roles(const YAML::Node& node, std::vector<RoleAccess>& roles) {
    if (!expect_sequence(node, "aws.roles")) return;
    for (size_t i = 0; i < node.size(); ++i) {
      std::string name = "aws.roles[" + std::to_string(i) + "]";
      const YAML::Node item = node[i];
      if (!expect_map(item, name)) continue;
      RoleAccess access;
      access.location = locate(item);
      for (const auto& [key, value] : entries(item, name, {"role_arn", "via"})) {
        if (key == "role_arn")
          access.role_pattern = matching(value, name + ".role_arn", kRolePatternPattern,
                                         "a role ARN, optionally with * wildcards");
        if (key == "via") access.via = via(value, name + ".via");
      }
      if (access.role_pattern.empty()) {
        missing(item, "role_arn", name);
        continue;
      }
      roles.push_back(std::move(access));
    }
  }

  std::string via(const YAML::Node& node, const std::string& name) {
    std::string text = scalar(node, name);
    if (text == "web-identity") return "";
    if (util::regex_full_match(text, kRoleArnPattern)) return text;
    invalid(node, name, "expected \"web-identity\" or a preflight role ARN");
    return "";
  }

  void read_kubernetes(const YAML::Node& node, KubernetesSettings& kubernetes) {
    if (!expect_map(node, "kubernetes")) return;
    for (const auto& [key, value] : entries(
             node, "kubernetes",
             {"default_namespace", "cluster", "pod_identity_associations", "external_secrets",
              "secrets_store_csi"})) {
      if (key == "default_namespace")
        kubernetes.default_namespace = required_text(value, "kubernetes.default_namespace");
      if (key == "cluster") read_cluster(value, kubernetes);
      if (key == "pod_identity_associations") read_associations(value, kubernetes);
      if (key == "external_secrets") read_external_secrets(value, kubernetes);
      if (key == "secrets_store_csi") read_secrets_store_csi(value, kubernetes);
    }
  }

  void read_cluster(const YAML::Node& node, KubernetesSettings& kubernetes) {
    if (!expect_map(node, "kubernetes.cluster")) return;
    kubernetes.cluster_location = locate(node);
    for (const auto& [key, value] : entries(node, "kubernetes.cluster", {"name", "oidc_issuer"})) {
      if (key == "name") kubernetes.cluster_name = required_text(value, "kubernetes.cluster.name");
      if (key == "oidc_issuer") {
        std::string issuer = scalar(value, "kubernetes.cluster.oidc_issuer");
        if (issuer.starts_with("https://")) {
          kubernetes.oidc_issuer = issuer;
        } else {
          invalid(value, "kubernetes.cluster.oidc_issuer", "expected an https:// issuer URL");
        }
      }
    }
  }

  void read_associations(const YAML::Node& node, KubernetesSettings& kubernetes) {
    const std::string list_name = "kubernetes.pod_identity_associations";
    if (!expect_sequence(node, list_name)) return;
    for (size_t i = 0; i < node.size(); ++i) {
      std::string name = list_name + "[" + std::to_string(i) + "]";
      const YAML::Node item = node[i];
      if (!expect_map(item, name)) continue;
      PodIdentityAssociation association;
      association.location = locate(item);
      for (const auto& [key, value] : entries(
               item, name,
               {"namespace", "service_account", "role_arn", "target_role_arn", "session_policy"})) {
        std::string field = name + "." + key;
        if (key == "namespace") association.kubernetes_namespace = required_text(value, field);
        if (key == "service_account") association.service_account = required_text(value, field);
        if (key == "role_arn") association.role_arn = role_arn(value, field);
        if (key == "target_role_arn") association.target_role_arn = role_arn(value, field);
        if (key == "session_policy") association.session_policy = policy_json(value, field);
      }
      bool complete = true;
      for (const auto& [field, text] :
           {std::pair<std::string, std::string>{"namespace", association.kubernetes_namespace},
            {"service_account", association.service_account},
            {"role_arn", association.role_arn}}) {
        if (!text.empty()) continue;
        if (!util::child(item, field).IsDefined()) missing(item, field, name);
        complete = false;
      }
      if (complete) kubernetes.pod_identity_associations.push_back(std::move(association));
    }
  }

  void read_external_secrets(const YAML::Node& node, KubernetesSettings& kubernetes) {
    if (!expect_map(node, "kubernetes.external_secrets")) return;
    kubernetes.external_secrets_location = locate(node);
    for (const auto& [key, value] :
         entries(node, "kubernetes.external_secrets",
                 {"controller_role_arn", "controller_gcp_service_account"})) {
      std::string name = "kubernetes.external_secrets." + key;
      if (key == "controller_role_arn")
        kubernetes.external_secrets_controller_role_arn = role_arn(value, name);
      if (key == "controller_gcp_service_account")
        kubernetes.external_secrets_controller_gcp_service_account =
            service_account_email(value, name);
    }
  }

  void read_secrets_store_csi(const YAML::Node& node, KubernetesSettings& kubernetes) {
    if (!expect_map(node, "kubernetes.secrets_store_csi")) return;
    for (const auto& [key, value] : entries(node, "kubernetes.secrets_store_csi", {"rotation"})) {
      kubernetes.secrets_store_csi_rotation =
          boolean(value, "kubernetes.secrets_store_csi." + key, kubernetes.secrets_store_csi_rotation);
    }
  }

  void read_gcp(const YAML::Node& node, GcpSettings& gcp) {
    if (!expect_map(node, "gcp")) return;
    for (const auto& [key, value] :
         entries(node, "gcp",
                 {"workload_identity_provider", "audience", "default_project", "projects", "max_concurrency"})) {
      std::string name = "gcp." + key;
      if (key == "workload_identity_provider")
        gcp.workload_identity_provider = workload_identity_provider(value, name);
      if (key == "audience") gcp.audience = scalar(value, name);
      if (key == "default_project") gcp.default_project = project_id(value, name);
      if (key == "projects") read_gcp_projects(value, gcp.projects);
      if (key == "max_concurrency") gcp.max_concurrency = positive(value, name, gcp.max_concurrency);
    }
  }

  void read_gcp_projects(const YAML::Node& node, std::vector<GcpProject>& projects) {
    if (!expect_sequence(node, "gcp.projects")) return;
    for (size_t i = 0; i < node.size(); ++i) {
      std::string name = "gcp.projects[" + std::to_string(i) + "]";
      const YAML::Node item = node[i];
      if (!expect_map(item, name)) continue;
      GcpProject project;
      project.location = locate(item);
      for (const auto& [key, value] :
           entries(item, name, {"id", "number", "workload_identity_provider"})) {
        std::string field = name + "." + key;
        if (key == "id") project.id = project_id(value, field);
        if (key == "number")
          project.number = matching(value, field, kProjectNumberPattern,
                                    "a project number (digits only), such as \"123456789\"");
        if (key == "workload_identity_provider")
          project.workload_identity_provider = workload_identity_provider(value, field);
      }
      if (project.id.empty()) {
        if (!util::child(item, "id").IsDefined()) missing(item, "id", name);
        continue;
      }
      projects.push_back(std::move(project));
    }
  }

  std::string workload_identity_provider(const YAML::Node& node, const std::string& name) {
    return matching(node, name, kWorkloadIdentityProviderPattern,
                    "a provider resource name such as projects/123456789/locations/global/"
                    "workloadIdentityPools/POOL/providers/PROVIDER");
  }

  std::string project_id(const YAML::Node& node, const std::string& name) {
    return matching(node, name, kProjectIdPattern,
                    "a Google Cloud project ID such as shop-prod (6 to 30 lowercase letters, "
                    "digits and hyphens)");
  }

  std::string service_account_email(const YAML::Node& node, const std::string& name) {
    return matching(node, name, kServiceAccountEmailPattern,
                    "a Google service account email such as "
                    "reader@shop-prod.iam.gserviceaccount.com");
  }

  void read_azure(const YAML::Node& node, AzureSettings& azure) {
    if (!expect_map(node, "azure")) return;
    for (const auto& [key, value] :
         entries(node, "azure", {"tenant_id", "audience", "cloud", "identities", "max_concurrency"})) {
      std::string name = "azure." + key;
      if (key == "tenant_id")
        azure.tenant_id = matching(value, name, kGuidPattern,
                                   "a tenant ID as a GUID such as "
                                   "00000000-0000-0000-0000-000000000000");
      if (key == "audience") {
        std::string audience = required_text(value, name);
        if (!audience.empty()) azure.audience = audience;
      }
      if (key == "cloud") {
        std::string cloud = azure_cloud(value, name);
        if (!cloud.empty()) azure.cloud = cloud;
      }
      if (key == "identities") read_azure_identities(value, azure.identities);
      if (key == "max_concurrency") azure.max_concurrency = positive(value, name, azure.max_concurrency);
    }
  }

  void read_azure_identities(const YAML::Node& node, std::vector<AzureIdentity>& identities) {
    if (!expect_sequence(node, "azure.identities")) return;
    for (size_t i = 0; i < node.size(); ++i) {
      std::string name = "azure.identities[" + std::to_string(i) + "]";
      const YAML::Node item = node[i];
      if (!expect_map(item, name)) continue;
      AzureIdentity identity;
      identity.location = locate(item);
      for (const auto& [key, value] : entries(item, name, {"client_id", "resource_id"})) {
        std::string field = name + "." + key;
        if (key == "client_id")
          identity.client_id = matching(value, field, kGuidPattern,
                                        "a client ID as a GUID such as "
                                        "00000000-0000-0000-0000-000000000000");
        if (key == "resource_id")
          identity.resource_id =
              matching(value, field, kManagedIdentityIdPattern,
                       "a managed identity id such as /subscriptions/<id>/resourceGroups/<group>/"
                       "providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>");
      }
      if (identity.client_id.empty() || identity.resource_id.empty()) {
        if (!util::child(item, "client_id").IsDefined()) missing(item, "client_id", name);
        if (!util::child(item, "resource_id").IsDefined()) missing(item, "resource_id", name);
        continue;
      }
      identities.push_back(std::move(identity));
    }
  }

  std::string azure_cloud(const YAML::Node& node, const std::string& name) {
    std::string text = scalar(node, name);
    if (std::find(kAzureClouds.begin(), kAzureClouds.end(), text) != kAzureClouds.end())
      return text;
    std::string suggestion = util::closest_match(text, kAzureClouds);
    std::string expected = suggestion.empty() ? "expected one of " + join(kAzureClouds)
                                              : "did you mean \"" + suggestion + "\"?";
    invalid(node, name, expected);
    return "";
  }

  void read_ignores(const YAML::Node& node, std::vector<IgnoreRule>& ignores) {
    if (!expect_sequence(node, "ignores")) return;
    for (size_t i = 0; i < node.size(); ++i) {
      std::string name = "ignores[" + std::to_string(i) + "]";
      const YAML::Node item = node[i];
      if (!expect_map(item, name)) continue;
      IgnoreRule rule;
      rule.location = locate(item);
      for (const auto& [key, value] :
           entries(item, name, {"file", "secret", "verdict", "reason", "expires"})) {
        std::string field = name + "." + key;
        if (key == "file") rule.file = required_text(value, field);
        if (key == "secret") rule.secret = required_text(value, field);
        if (key == "verdict") rule.verdict = verdict(value, field);
        if (key == "reason") rule.reason = required_text(value, field);
        if (key == "expires")
          rule.expires = matching(value, field, kDatePattern, "a date as YYYY-MM-DD");
      }
      if (rule.reason.empty()) {
        if (!util::child(item, "reason").IsDefined()) missing(item, "reason", name);
        continue;
      }
      ignores.push_back(std::move(rule));
    }
  }

  std::string verdict(const YAML::Node& node, const std::string& name) {
    std::string text = scalar(node, name);
    if (parse_verdict(text)) return text;
    std::vector<std::string> names;
    for (Verdict value : all_verdicts()) names.emplace_back(to_string(value));
    std::string suggestion = util::closest_match(text, names);
    std::string expected = suggestion.empty() ? "expected one of " + join(names)
                                              : "did you mean \"" + suggestion + "\"?";
    invalid(node, name, expected);
    return "";
  }

  std::string role_arn(const YAML::Node& node, const std::string& name) {
    return matching(node, name, kRoleArnPattern,
                    "an IAM role ARN such as arn:aws:iam::111122223333:role/name");
  }

  // Accepts the session policy as JSON text or as a YAML mapping, and stores
  // it as compact JSON, the form STS takes.
  std::string policy_json(const YAML::Node& node, const std::string& name) {
    rapidjson::Document json;
    if (node.IsMap()) {
      to_json(node, json, json.GetAllocator());
    } else {
      std::string text = scalar(node, name);
      if (json.Parse(text.c_str()).HasParseError() || !json.IsObject()) {
        invalid(node, name, "expected an IAM policy document as JSON text or a mapping");
        return "";
      }
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    json.Accept(writer);
    return buffer.GetString();
  }

  static void to_json(const YAML::Node& node, rapidjson::Value& out,
                      rapidjson::Document::AllocatorType& allocator) {
    if (node.IsMap()) {
      out.SetObject();
      for (const auto& entry : node) {
        rapidjson::Value key(entry.first.Scalar().c_str(), allocator);
        rapidjson::Value value;
        to_json(entry.second, value, allocator);
        out.AddMember(key, value, allocator);
      }
    } else if (node.IsSequence()) {
      out.SetArray();
      for (const auto& item : node) {
        rapidjson::Value value;
        to_json(item, value, allocator);
        out.PushBack(value, allocator);
      }
    } else if (node.IsScalar()) {
      out.SetString(node.Scalar().c_str(), allocator);
    } else {
      out.SetNull();
    }
  }

  bool boolean(const YAML::Node& node, const std::string& name, bool fallback) {
    std::string text = scalar(node, name);
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    invalid(node, name, "expected true or false");
    return fallback;
  }

  int positive(const YAML::Node& node, const std::string& name, int fallback) {
    std::string text = scalar(node, name);
    static const std::regex kPositive("[1-9][0-9]{0,5}");
    if (std::regex_match(text, kPositive)) return std::stoi(text);
    invalid(node, name, "expected a whole number from 1 to 999999");
    return fallback;
  }

  std::string matching(const YAML::Node& node, const std::string& name, const std::regex& pattern,
                       const std::string& expected) {
    std::string text = scalar(node, name);
    if (util::regex_full_match(text, pattern)) return text;
    invalid(node, name, "expected " + expected);
    return "";
  }

  std::string required_text(const YAML::Node& node, const std::string& name) {
    std::string text = scalar(node, name);
    if (text.empty()) invalid(node, name, "expected a non-empty string");
    return text;
  }

  std::string scalar(const YAML::Node& node, const std::string& name) {
    if (node.IsScalar()) return node.Scalar();
    if (!node.IsNull()) invalid(node, name, "expected a single value");
    return "";
  }

  bool expect_map(const YAML::Node& node, const std::string& name) {
    if (node.IsMap()) return true;
    invalid(node, name, "expected a mapping");
    return false;
  }

  bool expect_sequence(const YAML::Node& node, const std::string& name) {
    if (node.IsSequence()) return true;
    invalid(node, name, "expected a list");
    return false;
  }

  void invalid(const YAML::Node& node, const std::string& name, const std::string& expected) {
    std::string value_text = "value";
    if (node.IsScalar()) value_text = "value \"" + node.Scalar() + "\"";
    if (node.IsNull()) value_text = "empty value";
    report(node, "invalid " + value_text + " for \"" + name + "\": " + expected);
  }

  void missing(const YAML::Node& item, const std::string& key, const std::string& name) {
    report(item, "missing \"" + key + "\" in \"" + name + "\"; add it");
  }

  SourceLocation locate(const YAML::Node& node) const {
    SourceLocation location{path_, 0, 0};
    if (node && !node.Mark().is_null()) {
      location.line = node.Mark().line + 1;
      location.column = node.Mark().column + 1;
    }
    return location;
  }

  void report(const YAML::Node& node, std::string message) {
    Diagnostic diagnostic;
    diagnostic.location = locate(node);
    if (diagnostic.location.line >= 1 &&
        static_cast<size_t>(diagnostic.location.line) <= lines_.size())
      diagnostic.source_line = lines_[diagnostic.location.line - 1];
    diagnostic.message = std::move(message);
    diagnostics_.push_back(std::move(diagnostic));
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
    return text;
  }

  std::string path_;
  std::vector<std::string> lines_;
  std::vector<Diagnostic>& diagnostics_;
};

}  // namespace

Config load_config(const std::string& root, const std::string& path,
                   std::vector<Diagnostic>& diagnostics) {
  std::ifstream stream(std::filesystem::path(root) / path, std::ios::binary);
  if (!stream) return Config{};
  std::ostringstream buffer;
  buffer << stream.rdbuf();
  return parse_config_text(path, buffer.str(), diagnostics);
}

Config parse_config_text(const std::string& path, const std::string& text,
                         std::vector<Diagnostic>& diagnostics) {
  Config config;
  config.path = path;
  std::vector<std::string> lines = text::split_lines(text);
  size_t first_new = diagnostics.size();
  try {
    ConfigReader(path, lines, diagnostics).read(YAML::Load(text), config);
  } catch (const YAML::Exception& error) {
    Diagnostic diagnostic;
    diagnostic.location = {path, error.mark.line + 1, error.mark.column + 1};
    if (static_cast<size_t>(error.mark.line) < lines.size())
      diagnostic.source_line = lines[error.mark.line];
    diagnostic.message = "invalid YAML in the config file: " + error.msg;
    diagnostics.push_back(std::move(diagnostic));
  }
  // Unknown keys are found before values are checked; report in file order.
  std::stable_sort(diagnostics.begin() + static_cast<std::ptrdiff_t>(first_new), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return std::tie(a.location.line, a.location.column) <
                            std::tie(b.location.line, b.location.column);
                   });
  return config;
}

const RoleAccess* find_role_access(const Config& config, const std::string& role_arn) {
  for (const auto& access : config.aws.roles)
    if (util::glob_match(access.role_pattern, role_arn)) return &access;
  return nullptr;
}

std::string preflight_role_for(const Config& config, const std::string& role_arn) {
  const RoleAccess* access = find_role_access(config, role_arn);
  return access ? access->via : config.aws.preflight_role;
}

const GcpProject* find_gcp_project(const Config& config, const std::string& id_or_number) {
  for (const GcpProject& project : config.gcp.projects)
    if (project.id == id_or_number || project.number == id_or_number) return &project;
  return nullptr;
}

}  // namespace sp::config
