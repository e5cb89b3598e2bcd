#include "resolve/kubernetes/external_secrets.h"

#include "resolve/aws/arn.h"
#include "resolve/azure/key_vault.h"
#include "resolve/gcp/names.h"
#include "resolve/kubernetes/external_secrets_azurekv.h"
#include "resolve/kubernetes/external_secrets_gcpsm.h"
#include "resolve/kubernetes/service_account_identity.h"
#include "resolve/placeholder.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

using util::child;
using util::child_text;

/// The store settings that every edge read through the store shares.
struct StoreAccess {
  /// "SecretsManager" or "ParameterStore"; empty when the store is unknown.
  std::string service;
  std::string region;
  std::string prefix;
  IdentityResult identity;
  std::vector<std::string> assumptions;
  /// False for stores of other providers, whose entries are skipped here.
  bool aws = true;
  /// True for a gcpsm store, with its projectID and location (regional
  /// secrets) when set.
  bool gcp = false;
  std::string gcp_project;
  std::string gcp_location;
  /// True for an azurekv store, with the host of its vaultUrl (empty when
  /// the identity is already unresolved for a bad vaultUrl).
  bool azure = false;
  std::string azure_vault_host;
};

// Resolves the base credentials of a store, as the External Secrets AWS
// provider picks them: the ServiceAccount of auth.jwt, static keys of
// auth.secretRef, or the controller's own identity when there is no auth.
IdentityResult resolve_base(const ObjectIndex& index, const config::Config& config,
                            const KubeObject& store, const YAML::Node& auth,
                            const std::string& external_secret_namespace) {
  YAML::Node account_ref = child(child(auth, "jwt"), "serviceAccountRef");
  if (account_ref.IsMap()) {
    // A SecretStore's ServiceAccount is in the store's namespace; a
    // ClusterSecretStore's is in serviceAccountRef.namespace, else in the
    // ExternalSecret's namespace.
    std::string ns = store.kubernetes_namespace;
    if (store.kind == "ClusterSecretStore") {
      ns = child_text(account_ref, "namespace");
      if (ns.empty()) ns = external_secret_namespace;
    }
    return resolve_irsa(index, config, ns, child_text(account_ref, "name"));
  }
  IdentityResult base;
  if (child(auth, "secretRef").IsDefined()) {
    base.unresolved_reason = store.display() +
                             " authenticates with access keys from a Kubernetes Secret "
                             "(auth.secretRef), whose principal the manifests cannot show";
    return base;
  }
  base.identity.mechanism = IdentityMechanism::kControllerIdentity;
  const std::string& role = config.kubernetes.external_secrets_controller_role_arn;
  if (role.empty()) {
    base.unresolved_reason = store.display() +
                             " has no auth, so the External Secrets controller reads with its own "
                             "identity; set kubernetes.external_secrets.controller_role_arn in " +
                             config_file_name(config);
    return base;
  }
  base.identity.principal = role;
  base.identity.chain.push_back(ChainStep{"External Secrets controller role (config)",
                                          config.kubernetes.external_secrets_location});
  return base;
}

// Each additionalRoles entry is assumed in order, then `role` last; the
// runtime identity is the last role of that chain.
void apply_role_chain(const manifest::Document& document, const YAML::Node& aws,
                      IdentityResult& result) {
  std::vector<YAML::Node> roles;
  YAML::Node additional = child(aws, "additionalRoles");
  if (additional.IsSequence())
    for (const auto& role : additional) roles.push_back(role);
  if (util::has_text(child(aws, "role"))) roles.push_back(child(aws, "role"));
  if (roles.empty()) return;

  RuntimeIdentity& identity = result.identity;
  bool base_known = !identity.principal.empty();
  // With no base role the chain starts at the first listed role, which the
  // platform does not obtain through the base's mechanism.
  if (!base_known) identity.mechanism = IdentityMechanism::kNone;
  if (!base_known && !result.unresolved_reason.empty()) {
    // The last role still decides what the read may do, so the edge can be
    // probed; only the base's right to assume it stays unchecked.
    result.assumptions.push_back("base identity unknown: " + result.unresolved_reason);
    result.unresolved_reason.clear();
  }
  for (const auto& role : roles) {
    std::string arn = util::scalar_text(role);
    std::string placeholder = find_placeholder(arn);
    if (!placeholder.empty()) {
      result.unresolved_reason = placeholder_reason("role", arn, placeholder);
    } else if (!aws::is_role_arn(arn)) {
      result.unresolved_reason = "role \"" + arn + "\" is not an IAM role ARN; write the full ARN";
    }
    if (!identity.principal.empty()) identity.assumed_before.push_back(identity.principal);
    identity.principal = arn;
    identity.chain.push_back(make_step(document, role, "AssumeRole " + arn));
  }
}

// Sets the vault host of an azurekv store from its vaultUrl, or makes the
// store's edges unresolved when the URL is missing or templated.
void resolve_vault_url(const KubeObject& store, const YAML::Node& azurekv, StoreAccess& access) {
  std::string url = child_text(azurekv, "vaultUrl");
  std::string problem;
  std::string placeholder = find_placeholder(url);
  std::optional<std::string> host = azure::vault_host(url);
  if (url.empty()) {
    problem = store.display() + " sets no vaultUrl; set spec.provider.azurekv.vaultUrl to "
                                "https://<vault>.vault.azure.net";
  } else if (!placeholder.empty()) {
    problem = placeholder_reason("vaultUrl", url, placeholder);
  } else if (!host) {
    problem = "vaultUrl \"" + url + "\" of " + store.display() +
              " is not a vault URL; write https://<vault>.vault.azure.net";
  } else {
    access.azure_vault_host = *host;
  }
  if (!problem.empty() && access.identity.unresolved_reason.empty())
    access.identity.unresolved_reason = problem;
}

StoreAccess resolve_store(const ObjectIndex& index, const config::Config& config,
                          const KubeObject& external_secret, const YAML::Node& store_ref) {
  StoreAccess access;
  std::string name = child_text(store_ref, "name");
  std::string kind = child_text(store_ref, "kind");
  if (kind.empty()) kind = "SecretStore";
  const KubeObject* store = index.find(kind, external_secret.kubernetes_namespace, name);
  if (!store) {
    std::string display = kind == "ClusterSecretStore"
                              ? kind + " " + name
                              : kind + " " + external_secret.kubernetes_namespace + "/" + name;
    access.identity.unresolved_reason =
        display + " is not in the scanned manifests; scan the manifests that create it";
    return access;
  }
  YAML::Node provider = child(child(store->node(), "spec"), "provider");
  YAML::Node aws = child(provider, "aws");
  const manifest::Document& document = *store->document;
  YAML::Node metadata = child(store->node(), "metadata");
  if (!store->namespace_assumption().empty())
    access.assumptions.push_back(store->namespace_assumption());
  YAML::Node gcpsm = child(provider, "gcpsm");
  if (gcpsm.IsMap()) {
    access.aws = false;
    access.gcp = true;
    access.gcp_project = child_text(gcpsm, "projectID");
    access.gcp_location = child_text(gcpsm, "location");
    access.identity = resolve_gcpsm_identity(index, config, *store, gcpsm,
                                             external_secret.kubernetes_namespace);
    access.identity.identity.chain.insert(access.identity.identity.chain.begin(),
                                          make_step(document, metadata, store->display()));
    if (access.gcp_project.empty() && !config.gcp.default_project.empty()) {
      access.gcp_project = config.gcp.default_project;
      access.assumptions.push_back("project " + access.gcp_project + " of " + store->display() +
                                   " taken from gcp.default_project in the config file");
    } else if (access.gcp_project.empty() && access.identity.unresolved_reason.empty()) {
      access.identity.unresolved_reason = store->display() +
                                          " sets no projectID; set spec.provider.gcpsm.projectID "
                                          "or gcp.default_project in " +
                                          config_file_name(config);
    }
    return access;
  }
  YAML::Node azurekv = child(provider, "azurekv");
  if (azurekv.IsMap()) {
    access.aws = false;
    access.azure = true;
    access.identity = resolve_azurekv_identity(index, config, *store, azurekv,
                                               external_secret.kubernetes_namespace);
    access.identity.identity.chain.insert(access.identity.identity.chain.begin(),
                                          make_step(document, metadata, store->display()));
    resolve_vault_url(*store, azurekv, access);
    return access;
  }
  if (!aws.IsMap()) {
    access.aws = false;
    return access;
  }
  access.service = child_text(aws, "service");
  if (access.service != "SecretsManager" && access.service != "ParameterStore") {
    access.identity.unresolved_reason =
        store->display() + " uses AWS service \"" + access.service +
        "\", which secret-preflight does not probe; expected SecretsManager or ParameterStore";
    access.service.clear();
    return access;
  }
  access.region = child_text(aws, "region");
  access.prefix = child_text(aws, "prefix");
  access.identity =
      resolve_base(index, config, *store, child(aws, "auth"), external_secret.kubernetes_namespace);
  apply_role_chain(document, aws, access.identity);
  access.identity.identity.chain.insert(access.identity.identity.chain.begin(),
                                        make_step(document, metadata, store->display()));
  if (access.region.empty()) {
    if (config.aws.region.empty()) {
      access.identity.unresolved_reason = store->display() +
                                          " sets no region; set spec.provider.aws.region or "
                                          "aws.region in " +
                                          config_file_name(config);
    } else {
      access.region = config.aws.region;
      access.assumptions.push_back("region " + access.region + " of " + store->display() +
                                   " taken from aws.region in the config file");
    }
  }
  return access;
}

/// One remote read named by an ExternalSecret entry.
struct EntryRead {
  YAML::Node value;  // the node whose position the reference takes
  std::string kind;
  std::string path;
  YAML::Node ref;  // remoteRef / extract / find mapping
  YAML::Node store_ref;
};

class ExternalSecretResolver {
 public:
  ExternalSecretResolver(const ObjectIndex& index, ResolveContext& context,
                         const KubeObject& object)
      : index_(index), context_(context), object_(object), document_(*object.document) {}

  void resolve() {
    YAML::Node spec = child(object_.node(), "spec");
    default_store_ = child(spec, "secretStoreRef");
    YAML::Node data = child(spec, "data");
    if (data.IsSequence()) {
      for (size_t i = 0; i < data.size(); ++i) resolve_data(data[i], i);
    }
    YAML::Node data_from = child(spec, "dataFrom");
    if (data_from.IsSequence()) {
      for (size_t i = 0; i < data_from.size(); ++i) resolve_data_from(data_from[i], i);
    }
  }

 private:
  void resolve_data(const YAML::Node& entry, size_t i) {
    YAML::Node remote = child(entry, "remoteRef");
    YAML::Node key = child(remote, "key");
    if (!util::has_text(key)) return;
    std::string name = child_text(entry, "secretKey");
    read_value({key, "external-secret-data",
                "spec.data[" + (name.empty() ? std::to_string(i) : name) + "].remoteRef.key",
                remote, store_override(entry)});
  }

  void resolve_data_from(const YAML::Node& entry, size_t i) {
    std::string prefix = "spec.dataFrom[" + std::to_string(i) + "]";
    YAML::Node extract = child(entry, "extract");
    // v1alpha1 wrote dataFrom entries as a bare {key: ...}.
    if (!extract.IsMap() && util::has_text(child(entry, "key"))) {
      read_value({child(entry, "key"), "external-secret-data-from", prefix + ".key", entry,
                  store_override(entry)});
      return;
    }
    if (util::has_text(child(extract, "key"))) {
      read_value({child(extract, "key"), "external-secret-data-from", prefix + ".extract.key",
                  extract, store_override(entry)});
      return;
    }
    YAML::Node find = child(entry, "find");
    if (find.IsMap())
      read_find({find, "external-secret-find", prefix + ".find", find, store_override(entry)});
  }

  YAML::Node store_override(const YAML::Node& entry) {
    YAML::Node store = child(child(entry, "sourceRef"), "storeRef");
    return store.IsMap() ? store : default_store_;
  }

  void read_value(const EntryRead& read) {
    StoreAccess access = resolve_store(index_, context_.config, object_, read.store_ref);
    if (access.gcp) {
      read_gcpsm_value(read, access);
      return;
    }
    if (access.azure) {
      read_azurekv_value(read, access);
      return;
    }
    if (!access.aws) return;
    std::string key = read.value.Scalar();
    std::string version = child_text(read.ref, "version");
    std::string property = child_text(read.ref, "property");
    bool fetch_metadata = child_text(read.ref, "metadataPolicy") == "Fetch";

    PermissionEdge edge = start_edge(read, access);
    SecretTarget& secret = edge.secret;
    secret.id = access.prefix + key;
    if (auto arn = aws::parse_arn(key)) secret.account = arn->account;
    if (access.service.empty()) {
      // The store is unknown, so the service the key names is unknown too.
    } else if (access.service == "ParameterStore") {
      // ESO reads parameters with GetParameter and WithDecryption, the
      // version appended as <name>:<version>.
      secret.service = "ssm";
      secret.parameter_selector = version;
      edge.operation = fetch_metadata ? "ssm:ListTagsForResource" : "ssm:GetParameter";
    } else {
      secret.service = "secretsmanager";
      if (version.starts_with("uuid/")) {
        secret.version_id = version.substr(5);
      } else {
        secret.version_stage = version.empty() ? "AWSCURRENT" : version;
      }
      edge.operation =
          fetch_metadata ? "secretsmanager:DescribeSecret" : "secretsmanager:GetSecretValue";
    }

    if (access.service.empty()) {
      secret.json_key = property;
    } else if (fetch_metadata) {
      if (!property.empty())
        edge.assumptions.push_back("property \"" + property +
                                   "\" names a tag (metadataPolicy Fetch)");
    } else {
      secret.json_key = property;
    }

    std::string placeholder = find_placeholder(key);
    if (!placeholder.empty() && edge.unresolved_reason.empty())
      edge.unresolved_reason = placeholder_reason("remoteRef key", key, placeholder);
    context_.edges.push_back(std::move(edge));
  }

  // The gcpsm provider calls AccessSecretVersion on
  // projects/<projectID>/secrets/<key>/versions/<version> (the regional form
  // with `location`), version `latest` by default. metadataPolicy Fetch reads
  // the secret's labels and annotations with GetSecret instead.
  void read_gcpsm_value(const EntryRead& read, const StoreAccess& access) {
    std::string key = read.value.Scalar();
    std::string version = child_text(read.ref, "version");
    if (version.empty()) version = "latest";
    std::string property = child_text(read.ref, "property");
    bool fetch_metadata = child_text(read.ref, "metadataPolicy") == "Fetch";

    PermissionEdge edge = start_edge(read, access);
    edge.reference.kind = "external-secret-gcpsm";
    edge.secret = SecretTarget{};
    edge.secret.provider = "gcp";
    edge.secret.service = "secretmanager";
    edge.secret.id = key;
    edge.secret.project = access.gcp_project;
    edge.operation = fetch_metadata ? "secretmanager.secrets.get" : "secretmanager.versions.access";
    std::string placeholder;
    const std::vector<std::pair<std::string, std::string>> fields = {
        {"remoteRef key", key}, {"remoteRef version", version}, {"projectID", access.gcp_project}};
    for (const auto& [field, value] : fields) {
      placeholder = find_placeholder(value);
      if (placeholder.empty()) continue;
      if (edge.unresolved_reason.empty())
        edge.unresolved_reason = placeholder_reason(field, value, placeholder);
      break;
    }
    if (placeholder.empty() && !access.gcp_project.empty()) {
      if (!gcp::is_secret_id(key)) {
        context_.error(document_, read.value,
                       "invalid remoteRef key \"" + key +
                           "\" for a gcpsm store: expected a secret ID (letters, digits, - and _)");
        return;
      }
      if (!gcp::is_version(version)) {
        YAML::Node version_node = child(read.ref, "version");
        context_.error(document_, version_node.IsDefined() ? version_node : read.value,
                       "invalid remoteRef version \"" + version +
                           "\" for a gcpsm store: expected latest, a version number or a "
                           "version alias");
        return;
      }
      gcp::SecretName name{access.gcp_project, access.gcp_location, key, version};
      edge.secret = gcp::make_secret_target(name);
      // GetSecret takes the secret's name, without a version.
      if (fetch_metadata) edge.secret.id.erase(edge.secret.id.find("/versions/"));
      if (!gcp::is_version_number_or_latest(version))
        edge.assumptions.push_back("remoteRef version \"" + version +
                                   "\" is taken as a version alias");
    }
    if (fetch_metadata) {
      if (!property.empty())
        edge.assumptions.push_back("property \"" + property +
                                   "\" names a label or annotation (metadataPolicy Fetch)");
    } else {
      edge.secret.json_key = property;
    }
    context_.edges.push_back(std::move(edge));
  }

  // The azurekv provider calls Get Secret on
  // <vaultUrl>/secrets/<name>/<version> for a `secret/<name>` or bare key;
  // metadataPolicy Fetch reads the same bundle for its tags.
  void read_azurekv_value(const EntryRead& read, const StoreAccess& access) {
    std::string key = read.value.Scalar();
    AzureKeyVaultKey parsed = split_azurekv_key(key);
    if (parsed.type != "secret") {
      // NOTE: key/ and cert/ keys are read with Get Key and Get Certificate,
      // which need other permissions; those reads are not probed.
      context_.warning(document_, read.value,
                       "remoteRef key \"" + key + "\" names a Key Vault " +
                           (parsed.type == "key" ? "key" : "certificate") +
                           ", which secret-preflight does not check yet; only secrets are probed");
      return;
    }
    std::string version = child_text(read.ref, "version");
    std::string property = child_text(read.ref, "property");
    bool fetch_metadata = child_text(read.ref, "metadataPolicy") == "Fetch";

    PermissionEdge edge = start_edge(read, access);
    edge.reference.kind = "external-secret-azurekv";
    edge.secret = azure::make_secret_target(access.azure_vault_host, parsed.name, version);
    // Without a valid vaultUrl the edge is already unresolved; name the secret alone.
    if (access.azure_vault_host.empty()) edge.secret.id = parsed.name;
    edge.operation = azure::kGetSecretAction;
    if (fetch_metadata) {
      if (!property.empty())
        edge.assumptions.push_back("property \"" + property +
                                   "\" names a tag (metadataPolicy Fetch)");
    } else {
      edge.secret.json_key = property;
    }
    std::string placeholder;
    for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
             {"remoteRef key", key}, {"remoteRef version", version}}) {
      placeholder = find_placeholder(value);
      if (placeholder.empty()) continue;
      if (edge.unresolved_reason.empty())
        edge.unresolved_reason = placeholder_reason(field, value, placeholder);
      break;
    }
    if (placeholder.empty() && !azure::is_object_name(parsed.name)) {
      context_.error(document_, read.value,
                     "invalid remoteRef key \"" + key +
                         "\" for an azurekv store: expected secret/<name> or <name>, where a "
                         "Key Vault name has 1 to 127 letters, digits and hyphens");
      return;
    }
    if (placeholder.empty() && !version.empty() && !azure::is_secret_version(version)) {
      context_.error(document_, child(read.ref, "version"),
                     "invalid remoteRef version \"" + version +
                         "\" for an azurekv store: Key Vault versions are 32 hexadecimal digits");
      return;
    }
    context_.edges.push_back(std::move(edge));
  }

  // NOTE: dataFrom.find on an azurekv store lists the vault's secrets and
  // reads every match; that list-and-read edge is not probed yet.
  void read_azurekv_find(const EntryRead& read, const StoreAccess& access) {
    PermissionEdge edge = start_edge(read, access);
    edge.reference.kind = "external-secret-azurekv";
    edge.secret = SecretTarget{};
    edge.secret.provider = "azure";
    edge.secret.service = "keyvault";
    edge.secret.id = "https://" + access.azure_vault_host + "/secrets";
    edge.operation = azure::kListSecretsAction;
    if (edge.unresolved_reason.empty())
      edge.unresolved_reason =
          "dataFrom.find on an azurekv store lists secrets and reads every match, which "
          "secret-preflight does not check yet; name each secret in data[].remoteRef instead";
    context_.edges.push_back(std::move(edge));
  }

  // NOTE: dataFrom.find on a gcpsm store lists the project's secrets and
  // reads every match; that list-and-read edge is not probed yet.
  void read_gcpsm_find(const EntryRead& read, const StoreAccess& access) {
    PermissionEdge edge = start_edge(read, access);
    edge.reference.kind = "external-secret-gcpsm";
    edge.secret = SecretTarget{};
    edge.secret.provider = "gcp";
    edge.secret.service = "secretmanager";
    edge.secret.project = access.gcp_project;
    edge.secret.id = "projects/" + access.gcp_project + "/secrets/*";
    edge.operation = "secretmanager.secrets.list";
    if (edge.unresolved_reason.empty())
      edge.unresolved_reason =
          "dataFrom.find on a gcpsm store lists secrets and reads every match, which "
          "secret-preflight does not check yet; name each secret in data[].remoteRef instead";
    context_.edges.push_back(std::move(edge));
  }

  // dataFrom.find lists secrets and reads every match. Its edges are the
  // calls the External Secrets AWS provider makes (findByName, findByTags):
  // with `path` or `tags` it sends BatchGetSecretValue with filters, which
  // also needs secretsmanager:ListSecrets; with only `name.regexp` it calls
  // ListSecrets and then GetSecretValue on each match. A `name` wins over
  // `tags`, and a find with neither is rejected by the controller.
  void read_find(const EntryRead& read) {
    StoreAccess access = resolve_store(index_, context_.config, object_, read.store_ref);
    if (access.gcp) {
      read_gcpsm_find(read, access);
      return;
    }
    if (access.azure) {
      read_azurekv_find(read, access);
      return;
    }
    if (!access.aws) return;
    std::string path = child_text(read.ref, "path");
    YAML::Node name = child(read.ref, "name");
    std::string pattern = child_text(name, "regexp");
    YAML::Node tags = child(read.ref, "tags");
    std::vector<std::string> operations;
    std::string service;
    SecretFind find;
    find.path = path;
    find.name_regexp = pattern;
    if (!name.IsDefined() && tags.IsMap()) {
      for (const auto& tag : tags)
        find.tags.emplace_back(util::scalar_text(tag.first), util::scalar_text(tag.second));
    }
    std::string unresolved;
    if (access.service == "ParameterStore") {
      service = "ssm";
      operations = {path.empty() ? "ssm:DescribeParameters" : "ssm:GetParametersByPath"};
    } else {
      service = "secretsmanager";
      bool batch = !path.empty() || !find.tags.empty();
      operations = {"secretsmanager:ListSecrets",
                    batch ? "secretsmanager:BatchGetSecretValue" : "secretsmanager:GetSecretValue"};
      if (!name.IsDefined() && find.tags.empty())
        unresolved = "dataFrom.find sets neither name nor tags, which External Secrets rejects; "
                     "add name.regexp or tags";
    }
    for (const auto& operation : operations) {
      PermissionEdge edge = start_edge(read, access);
      edge.secret.service = service;
      edge.secret.id = path.empty() ? "*" : access.prefix + path;
      edge.secret.find = find;
      edge.operation = operation;
      if (edge.unresolved_reason.empty()) edge.unresolved_reason = unresolved;
      std::string selector = pattern.empty() ? "" : " with names matching \"" + pattern + "\"";
      edge.assumptions.push_back("dataFrom.find lists secrets" + selector +
                                 " and reads every match; the identity needs " + operation +
                                 (operation.ends_with("ListSecrets") ? "" : " on all of them"));
      if (name.IsDefined() && tags.IsMap())
        edge.assumptions.push_back("find.tags is ignored because find.name is set, as External "
                                   "Secrets does");
      // NOTE: External Secrets sends find.path without the store's prefix
      // (findByName, findByTags), so the probe filters on the bare path.
      context_.edges.push_back(std::move(edge));
    }
  }

  PermissionEdge start_edge(const EntryRead& read, const StoreAccess& access) {
    PermissionEdge edge;
    edge.reference = make_reference(document_, read.value, read.kind, read.path);
    edge.secret.region = access.region;
    edge.secret.account = context_.config.aws.account;
    edge.identity = access.identity.identity;
    YAML::Node metadata = child(object_.node(), "metadata");
    edge.identity.chain.insert(edge.identity.chain.begin(),
                               make_step(document_, metadata, object_.display()));
    edge.unresolved_reason = access.identity.unresolved_reason;
    if (!object_.namespace_assumption().empty())
      edge.assumptions.push_back(object_.namespace_assumption());
    edge.assumptions.insert(edge.assumptions.end(), access.assumptions.begin(),
                            access.assumptions.end());
    edge.assumptions.insert(edge.assumptions.end(), access.identity.assumptions.begin(),
                            access.identity.assumptions.end());
    note_helm_source(document_, edge);
    return edge;
  }

  const ObjectIndex& index_;
  ResolveContext& context_;
  const KubeObject& object_;
  const manifest::Document& document_;
  YAML::Node default_store_;
};

}  // namespace

void resolve_external_secrets(const ObjectIndex& index, ResolveContext& context) {
  for (const KubeObject& object : index.objects()) {
    if (object.kind != "ExternalSecret" || !object.api_version.starts_with("external-secrets.io/"))
      continue;
    ExternalSecretResolver(index, context, object).resolve();
  }
  // NOTE: ClusterExternalSecret is not expanded; its namespace selectors need
  // the cluster's namespaces, which the manifests do not list.
}

}  // namespace sp::resolve::kubernetes
