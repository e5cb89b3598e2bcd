#include "resolve/gcp/cloud_run.h"

#include <map>

#include "resolve/gcp/names.h"
#include "resolve/kubernetes/service_account_identity.h"
#include "resolve/placeholder.h"
#include "util/yaml_node.h"

namespace sp::resolve::gcp {
namespace {

using util::child;
using util::child_text;

constexpr const char* kSecretsAnnotation = "run.googleapis.com/secrets";
constexpr const char* kOperation = "secretmanager.versions.access";

// Splits `text` at commas and trims spaces around each entry.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> entries;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string entry = text.substr(start, end - start);
    size_t first = entry.find_first_not_of(" \t\n");
    size_t last = entry.find_last_not_of(" \t\n");
    entries.push_back(first == std::string::npos ? "" : entry.substr(first, last - first + 1));
    start = end + 1;
  }
  return entries;
}

bool has_key_with_prefix(const YAML::Node& map, const std::string& prefix) {
  if (!map.IsMap()) return false;
  for (const auto& entry : map)
    if (util::scalar_text(entry.first).starts_with(prefix)) return true;
  return false;
}

/// The secret and version one reference names, before the project is known.
struct NamedSecret {
  YAML::Node node;  // where the reference points
  std::string kind;
  std::string path;
  std::string name;     // secretKeyRef.name or secretName as written
  std::string version;  // secretKeyRef.key or items[].key
  std::vector<std::string> assumptions;
};

class CloudRunResolver {
 public:
  CloudRunResolver(const manifest::Document& document, ResolveContext& context)
      : document_(document), context_(context), root_(document.root) {}

  void resolve() {
    std::string kind = child_text(root_, "kind");
    std::string api_version = child_text(root_, "apiVersion");
    if (kind == "Service" && api_version.starts_with("serving.knative.dev/")) {
      kind_name_ = "service";
    } else if (kind == "Job" && api_version.starts_with("run.googleapis.com/")) {
      kind_name_ = "job";
    } else {
      return;
    }
    YAML::Node execution = child(child(root_, "spec"), "template");
    // A job's execution template wraps the task template one level deeper.
    // The node is built in one step because YAML::Node::operator= rebinds the
    // shared node, which would change `execution` too.
    const YAML::Node task =
        kind_name_ == "job" ? child(child(execution, "spec"), "template") : execution;
    spec_ = child(task, "spec");
    if (!spec_.IsMap()) return;

    metadata_ = child(root_, "metadata");
    display_ = "Cloud Run " + kind_name_ + " " + child_text(metadata_, "name");
    std::vector<NamedSecret> secrets = collect_secrets();
    if (secrets.empty()) return;

    if (kind_name_ == "service" && !is_cloud_run(execution)) {
      context_.warning(document_, metadata_,
                       "Knative Service " + child_text(metadata_, "name") +
                           " has no Cloud Run markers, so its secretKeyRef entries are taken as "
                           "Kubernetes Secrets and not checked; add the label "
                           "cloud.googleapis.com/location if it is a Cloud Run service");
      return;
    }

    resolve_project();
    read_aliases(child(child(child(execution, "metadata"), "annotations"), kSecretsAnnotation));
    resolve_identity();
    for (NamedSecret& secret : secrets) add_edge(secret);
  }

 private:
  bool is_cloud_run(const YAML::Node& execution) const {
    YAML::Node labels = child(metadata_, "labels");
    return util::has_text(child(labels, "cloud.googleapis.com/location")) ||
           has_key_with_prefix(child(metadata_, "annotations"), "run.googleapis.com/") ||
           has_key_with_prefix(child(child(execution, "metadata"), "annotations"),
                               "run.googleapis.com/") ||
           child_text(spec_, "serviceAccountName").find('@') != std::string::npos;
  }

  std::vector<NamedSecret> collect_secrets() {
    std::vector<NamedSecret> secrets;
    YAML::Node containers = child(spec_, "containers");
    if (containers.IsSequence()) {
      for (size_t i = 0; i < containers.size(); ++i) collect_env(containers[i], i, secrets);
    }
    YAML::Node volumes = child(spec_, "volumes");
    if (volumes.IsSequence()) {
      for (size_t i = 0; i < volumes.size(); ++i) collect_volume(volumes[i], i, secrets);
    }
    return secrets;
  }

  void collect_env(const YAML::Node& container, size_t index, std::vector<NamedSecret>& out) {
    std::string container_name = child_text(container, "name");
    if (container_name.empty()) container_name = std::to_string(index);
    YAML::Node env = child(container, "env");
    if (!env.IsSequence()) return;
    for (const auto& variable : env) {
      YAML::Node ref = child(child(variable, "valueFrom"), "secretKeyRef");
      if (!ref.IsMap()) continue;
      YAML::Node name = child(ref, "name");
      std::string variable_name = child_text(variable, "name");
      std::string path = "spec.template.spec.containers[" + container_name + "].env[" +
                         variable_name + "].valueFrom.secretKeyRef.name";
      if (!util::has_text(name)) {
        context_.error(document_, ref,
                       "secretKeyRef of environment variable " + variable_name + " in " +
                           display_ + " has no name; set the secret ID");
        continue;
      }
      YAML::Node key = child(ref, "key");
      if (!util::has_text(key)) {
        context_.error(document_, ref,
                       "secretKeyRef of environment variable " + variable_name + " in " +
                           display_ + " has no key; set the secret version (latest or a number)");
        continue;
      }
      out.push_back({name, "cloud-run-env-secret", path, name.Scalar(), key.Scalar(), {}});
    }
  }

  void collect_volume(const YAML::Node& volume, size_t index, std::vector<NamedSecret>& out) {
    YAML::Node secret = child(volume, "secret");
    if (!secret.IsMap()) return;
    std::string volume_name = child_text(volume, "name");
    if (volume_name.empty()) volume_name = std::to_string(index);
    std::string base = "spec.template.spec.volumes[" + volume_name + "].secret";
    YAML::Node secret_name = child(secret, "secretName");
    if (!util::has_text(secret_name)) {
      context_.error(document_, secret,
                     "secret volume " + volume_name + " in " + display_ +
                         " has no secretName; set the secret ID");
      return;
    }
    YAML::Node items = child(secret, "items");
    if (!items.IsSequence() || items.size() == 0) {
      NamedSecret whole{secret_name, "cloud-run-volume-secret", base + ".secretName",
                        secret_name.Scalar(), "latest", {}};
      whole.assumptions.push_back("secret volume " + volume_name +
                                  " lists no items, so Cloud Run mounts the latest version");
      out.push_back(std::move(whole));
      return;
    }
    // Each item mounts one version as its own file, so each gets an edge at
    // its own key.
    for (const auto& item : items) {
      YAML::Node key = child(item, "key");
      std::string file = child_text(item, "path");
      if (!util::has_text(key)) {
        context_.error(document_, item,
                       "item " + file + " of secret volume " + volume_name + " in " + display_ +
                           " has no key; set the secret version (latest or a number)");
        continue;
      }
      out.push_back({key, "cloud-run-volume-secret",
                     base + ".items[" + (file.empty() ? key.Scalar() : file) + "].key",
                     secret_name.Scalar(), key.Scalar(), {}});
    }
  }

  // In exported Cloud Run YAML, metadata.namespace is the project number or
  // ID. Without it, the config's default project applies.
  void resolve_project() {
    YAML::Node ns = child(metadata_, "namespace");
    if (util::has_text(ns)) {
      project_ = ns.Scalar();
      return;
    }
    project_ = context_.config.gcp.default_project;
    if (!project_.empty())
      project_assumptions_.push_back("project " + project_ + " of " + display_ +
                                     " taken from gcp.default_project in the config file");
  }

  // Parses `alias:projects/P/secrets/S` entries, comma-separated. A
  // malformed entry is an input error and defines no alias.
  void read_aliases(const YAML::Node& annotation) {
    if (!util::has_text(annotation)) return;
    for (const std::string& entry : split_list(annotation.Scalar())) {
      if (entry.empty()) continue;
      size_t colon = entry.find(':');
      std::string alias = colon == std::string::npos ? "" : entry.substr(0, colon);
      std::optional<SecretName> name =
          colon == std::string::npos ? std::nullopt : parse_secret_name(entry.substr(colon + 1));
      if (alias.empty() || !name || !name->version.empty() || !name->location.empty()) {
        context_.error(document_, annotation,
                       "invalid entry \"" + entry + "\" in the " + kSecretsAnnotation +
                           " annotation of " + display_ +
                           ": expected ALIAS:projects/PROJECT/secrets/SECRET");
        continue;
      }
      aliases_[alias] = *name;
    }
  }

  void resolve_identity() {
    RuntimeIdentity& identity = identity_;
    identity.provider = "gcp";
    identity.audience.clear();
    identity.mechanism = IdentityMechanism::kCloudRunServiceAccount;
    identity.chain.push_back(make_step(document_, metadata_, display_));
    YAML::Node account = child(spec_, "serviceAccountName");
    if (util::has_text(account)) {
      std::string email = account.Scalar();
      identity.chain.push_back(make_step(document_, account, "serviceAccountName " + email));
      std::string placeholder = find_placeholder(email);
      if (!placeholder.empty()) {
        identity_unresolved_ = placeholder_reason("serviceAccountName", email, placeholder);
      } else if (!is_service_account_email(email)) {
        identity_unresolved_ = "serviceAccountName \"" + email + "\" of " + display_ +
                               " is not a service account email; write "
                               "NAME@PROJECT.iam.gserviceaccount.com";
      } else {
        identity.principal = email;
      }
      return;
    }

    identity_assumptions_.push_back("default compute service account: no serviceAccountName in " +
                                    display_);
    identity.chain.push_back(make_step(document_, spec_, "default compute service account"));
    std::string config_file = kubernetes::config_file_name(context_.config);
    if (project_.empty()) {
      identity_unresolved_ = display_ +
                             " sets no serviceAccountName, so it runs as its project's default "
                             "compute service account, but no project is known; set "
                             "metadata.namespace or gcp.default_project in " +
                             config_file;
      return;
    }
    std::string number = project_number(context_.config, project_);
    if (number.empty()) {
      identity_unresolved_ = display_ +
                             " sets no serviceAccountName, so it runs as the default compute "
                             "service account, which names the project number; add {id: " +
                             project_ + ", number: ...} under gcp.projects[].number in " +
                             config_file;
      return;
    }
    identity.principal = default_compute_service_account(number);
  }

  void add_edge(NamedSecret& named) {
    PermissionEdge edge;
    edge.reference = make_reference(document_, named.node, named.kind, named.path);
    edge.operation = kOperation;
    edge.identity = identity_;
    edge.unresolved_reason = identity_unresolved_;
    edge.assumptions = named.assumptions;
    std::string unresolved = resolve_secret(named, edge);
    if (edge.unresolved_reason.empty()) edge.unresolved_reason = unresolved;
    edge.assumptions.insert(edge.assumptions.end(), identity_assumptions_.begin(),
                            identity_assumptions_.end());
    note_helm_source(document_, edge);
    context_.edges.push_back(std::move(edge));
  }

  // Fills edge.secret; returns why the secret is unresolved, or empty.
  std::string resolve_secret(const NamedSecret& named, PermissionEdge& edge) {
    SecretTarget& target = edge.secret;
    target.provider = "gcp";
    target.service = "secretmanager";
    for (const std::string* value : {&named.name, &named.version}) {
      std::string placeholder = find_placeholder(*value);
      if (placeholder.empty()) continue;
      target.id = named.name;
      std::string field = value == &named.name ? "secret name" : "secret version";
      return placeholder_reason(field, *value, placeholder);
    }

    SecretName name;
    auto alias = aliases_.find(named.name);
    if (alias != aliases_.end()) {
      name = alias->second;
    } else if (named.name.starts_with("projects/")) {
      std::optional<SecretName> parsed = parse_secret_name(named.name);
      if (!parsed || !parsed->version.empty()) {
        context_.error(document_, named.node,
                       "invalid secret name \"" + named.name + "\" in " + display_ +
                           ": expected a secret ID or projects/PROJECT/secrets/SECRET");
        target.id = named.name;
        return "secret name \"" + named.name + "\" is invalid";
      }
      name = *parsed;
    } else {
      if (!is_secret_id(named.name)) {
        context_.error(document_, named.node,
                       "invalid secret name \"" + named.name + "\" in " + display_ +
                           ": expected a secret ID (letters, digits, - and _), an alias from the " +
                           kSecretsAnnotation + " annotation, or projects/PROJECT/secrets/SECRET");
        target.id = named.name;
        return "secret name \"" + named.name + "\" is invalid";
      }
      name.project = project_;
      name.secret = named.name;
      edge.assumptions.insert(edge.assumptions.end(), project_assumptions_.begin(),
                              project_assumptions_.end());
    }

    name.version = named.version;
    if (!is_version(named.version)) {
      context_.error(document_, named.node,
                     "invalid secret version \"" + named.version + "\" in " + display_ +
                         ": expected latest, a version number or a version alias");
      target.id = named.name;
      return "secret version \"" + named.version + "\" is invalid";
    }
    if (!is_version_number_or_latest(named.version))
      edge.assumptions.push_back("secret version \"" + named.version +
                                 "\" is taken as a version alias");
    if (name.project.empty()) {
      target.id = named.name;
      return "secret \"" + named.name + "\" of " + display_ +
             " is in the service's project, which is not known; set metadata.namespace or "
             "gcp.default_project in " +
             kubernetes::config_file_name(context_.config);
    }
    edge.secret = make_secret_target(name);
    return "";
  }

  const manifest::Document& document_;
  ResolveContext& context_;
  YAML::Node root_;
  YAML::Node metadata_;
  YAML::Node spec_;
  std::string kind_name_;
  std::string display_;
  std::string project_;
  std::vector<std::string> project_assumptions_;
  std::map<std::string, SecretName> aliases_;
  RuntimeIdentity identity_;
  std::string identity_unresolved_;
  std::vector<std::string> identity_assumptions_;
};

}  // namespace

void resolve_cloud_run(const manifest::Document& document, ResolveContext& context) {
  if (document.format != manifest::DocumentFormat::kKubernetes) return;
  CloudRunResolver(document, context).resolve();
}

}  // namespace sp::resolve::gcp
