#include "resolve/kubernetes/secrets_store_csi.h"

#include <map>
#include <set>

#include "resolve/aws/arn.h"
#include "resolve/kubernetes/csi_class.h"
#include "resolve/kubernetes/gke_identity.h"
#include "resolve/kubernetes/pod_template.h"
#include "resolve/kubernetes/service_account_identity.h"
#include "resolve/placeholder.h"
#include "util/edit_distance.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

using util::child;
using util::child_text;

constexpr const char* kCsiDriver = "secrets-store.csi.k8s.io";

}  // namespace

// A block scalar (`|`) starts on the next line at the content's indentation.
// A quoted or plain scalar starts at its own position.
std::optional<manifest::Document> parse_parameter_text(const manifest::Document& document,
                                                       const YAML::Node& objects,
                                                       const std::string& parameter,
                                                       ResolveContext& context) {
  SourceLocation at = document.locate(objects);
  std::string line = document.file->line_text(at.line);
  size_t indicator = static_cast<size_t>(at.column > 0 ? at.column - 1 : 0);
  int first_line = at.line - 1;
  int column = at.column - 1;
  if (indicator < line.size() && (line[indicator] == '|' || line[indicator] == '>')) {
    first_line = at.line;
    std::string content = document.file->line_text(first_line + 1);
    column = static_cast<int>(content.find_first_not_of(' '));
    if (column < 0) column = 0;
  } else if (indicator < line.size() && (line[indicator] == '"' || line[indicator] == '\'')) {
    column += 1;
  }
  try {
    YAML::Node root = YAML::Load(objects.Scalar());
    return document.nested(root, first_line, column);
  } catch (const YAML::Exception& error) {
    SourceLocation location{document.file->path, first_line + error.mark.line + 1,
                            column + error.mark.column + 1};
    context.diagnostics.push_back(manifest::make_diagnostic(
        Diagnostic::Severity::kError, *document.file, location,
        "invalid YAML in SecretProviderClass parameter \"" + parameter + "\": " + error.msg));
    return std::nullopt;
  }
}

namespace {

class ClassParser {
 public:
  ClassParser(const KubeObject& object, ResolveContext& context)
      : object_(object), document_(*object.document), context_(context) {}

  ParsedClass parse() {
    ParsedClass parsed;
    parsed.object = &object_;
    parsed.provider = "aws";
    YAML::Node parameters = child(child(object_.node(), "spec"), "parameters");
    region_ = child_text(parameters, "region");
    YAML::Node pod_identity = child(parameters, "usePodIdentity");
    if (util::has_text(pod_identity)) {
      std::optional<bool> value = parse_go_bool(pod_identity.Scalar());
      if (!value) {
        context_.error(document_, pod_identity,
                       "invalid usePodIdentity \"" + pod_identity.Scalar() +
                           "\": expected true or false (Go ParseBool forms)");
      }
      parsed.use_pod_identity = value.value_or(false);
    }
    YAML::Node objects = child(parameters, "objects");
    if (!util::has_text(objects)) {
      context_.error(
          document_, parameters ? parameters : object_.node(),
          object_.display() + " has no \"objects\" parameter; list the secrets to mount");
      return parsed;
    }
    std::optional<manifest::Document> nested =
        parse_parameter_text(document_, objects, "objects", context_);
    if (!nested) return parsed;
    if (!nested->root.IsSequence()) {
      context_.error(document_, objects,
                     "SecretProviderClass parameter \"objects\" must be a YAML list");
      return parsed;
    }
    for (const auto& entry : nested->root) parse_object(*nested, entry, parsed.reads);
    return parsed;
  }

 private:
  void parse_object(const manifest::Document& nested, const YAML::Node& entry,
                    std::vector<CsiRead>& reads) {
    YAML::Node name_node = child(entry, "objectName");
    std::string name = util::scalar_text(name_node);
    if (name.empty()) {
      context_.error(nested, entry,
                     "missing objectName in an \"objects\" entry of " + object_.display());
      return;
    }
    CsiRead read;
    std::string base_path = "spec.parameters.objects[" + name + "]";
    read.reference = make_reference(nested, name_node, "csi-object", base_path + ".objectName");
    read.secret.id = name;
    std::optional<aws::Arn> arn = aws::parse_arn(name);
    if (!resolve_service(nested, entry, name, arn, read)) return;
    if (!resolve_version(nested, entry, read)) return;
    resolve_location(nested, name_node, arn, read);
    std::string placeholder = find_placeholder(name);
    if (!placeholder.empty())
      read.unresolved_reason = placeholder_reason("objectName", name, placeholder);

    add_rotation_read(read, reads);
    YAML::Node jmes = child(entry, "jmesPath");
    if (!jmes.IsSequence() || jmes.size() == 0) {
      reads.push_back(std::move(read));
      return;
    }
    for (const auto& item : jmes) {
      YAML::Node path = child(item, "path");
      if (!util::has_text(path)) {
        context_.error(nested, item,
                       "missing path in a jmesPath entry of objectName \"" + name + "\"");
        continue;
      }
      // The location stays at objectName, the value that names the secret;
      // the path names the JSON key.
      CsiRead one = read;
      one.secret.json_key = path.Scalar();
      one.reference.path = base_path + ".jmesPath[" + path.Scalar() + "].path";
      reads.push_back(std::move(one));
    }
  }

  // With the driver's rotation on, the provider calls DescribeSecret on each
  // Secrets Manager object (once, whatever its jmesPath entries) to see
  // whether the secret changed. That is a separate permission, so it gets its
  // own edge at the same objectName.
  void add_rotation_read(const CsiRead& read, std::vector<CsiRead>& reads) const {
    if (!context_.config.kubernetes.secrets_store_csi_rotation) return;
    if (read.secret.service != "secretsmanager") return;
    CsiRead describe = read;
    describe.operation = "secretsmanager:DescribeSecret";
    describe.secret.json_key.clear();
    describe.secret.version_stage.clear();
    describe.secret.version_id.clear();
    describe.assumptions.push_back(
        "the Secrets Store CSI driver runs with rotation enabled "
        "(kubernetes.secrets_store_csi.rotation in the config file)");
    reads.push_back(std::move(describe));
  }

  bool resolve_service(const manifest::Document& nested, const YAML::Node& entry,
                       const std::string& name, const std::optional<aws::Arn>& arn, CsiRead& read) {
    YAML::Node type_node = child(entry, "objectType");
    std::string type = util::scalar_text(type_node);
    if (type.empty() && arn) {
      if (arn->service == "secretsmanager") type = "secretsmanager";
      if (arn->service == "ssm") type = "ssmparameter";
    }
    if (type.empty()) {
      context_.error(nested, child(entry, "objectName"),
                     "objectName \"" + name +
                         "\" needs objectType (secretsmanager or ssmparameter) because it is "
                         "not an ARN");
      return false;
    }
    if (type == "secretsmanager") {
      read.secret.service = "secretsmanager";
      read.operation = "secretsmanager:GetSecretValue";
      return true;
    }
    if (type == "ssmparameter") {
      read.secret.service = "ssm";
      read.operation = "ssm:GetParameters";
      return true;
    }
    std::string message = "invalid objectType \"" + type +
                          "\": the AWS provider accepts "
                          "\"secretsmanager\" or \"ssmparameter\"";
    std::string suggestion = util::closest_match(type, {"secretsmanager", "ssmparameter"});
    if (type == "ssm") suggestion = "ssmparameter";
    if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
    context_.error(nested, type_node, message);
    return false;
  }

  bool resolve_version(const manifest::Document& nested, const YAML::Node& entry, CsiRead& read) {
    std::string version = child_text(entry, "objectVersion");
    std::string label = child_text(entry, "objectVersionLabel");
    if (read.secret.service == "secretsmanager") {
      read.secret.version_id = version;
      read.secret.version_stage = label;
      if (version.empty() && label.empty()) read.secret.version_stage = "AWSCURRENT";
      return true;
    }
    if (!version.empty() && !label.empty()) {
      context_.error(nested, child(entry, "objectVersionLabel"),
                     "objectName \"" + read.secret.id +
                         "\" sets both objectVersion and objectVersionLabel, which the AWS "
                         "provider rejects for SSM parameters; keep one");
      return false;
    }
    read.secret.parameter_selector = version.empty() ? label : version;
    return true;
  }

  void resolve_location(const manifest::Document& nested, const YAML::Node& name_node,
                        const std::optional<aws::Arn>& arn, CsiRead& read) {
    if (arn) read.secret.account = arn->account;
    if (arn && !region_.empty() && arn->region != region_) {
      context_.error(nested, name_node,
                     "objectName \"" + read.secret.id + "\" is in region " + arn->region +
                         " but the class reads region " + region_ +
                         "; the AWS provider rejects the mismatch");
    }
    if (!region_.empty()) {
      read.secret.region = region_;
    } else if (arn && !arn->region.empty()) {
      read.secret.region = arn->region;
    } else if (!context_.config.aws.region.empty()) {
      read.secret.region = context_.config.aws.region;
      read.assumptions.push_back("region " + read.secret.region +
                                 " taken from aws.region in the config file; the provider uses "
                                 "the node's topology.kubernetes.io/region label");
    } else {
      read.unresolved_reason =
          "no region for objectName \"" + read.secret.id +
          "\": the provider uses the node's region label, which the manifests cannot show; set "
          "region in the SecretProviderClass parameters or aws.region in " +
          config_file_name(context_.config);
    }
    if (read.secret.account.empty()) read.secret.account = context_.config.aws.account;
  }

  const KubeObject& object_;
  const manifest::Document& document_;
  ResolveContext& context_;
  std::string region_;
};

void add_edges(const ParsedClass& parsed, const IdentityResult& identity,
               const std::vector<ChainStep>& chain_prefix,
               const std::vector<std::string>& assumptions, ResolveContext& context) {
  for (const CsiRead& read : parsed.reads) {
    PermissionEdge edge;
    edge.reference = read.reference;
    edge.secret = read.secret;
    edge.identity = identity.identity;
    edge.identity.chain = chain_prefix;
    edge.identity.chain.insert(edge.identity.chain.end(), identity.identity.chain.begin(),
                               identity.identity.chain.end());
    edge.operation = read.operation;
    edge.unresolved_reason =
        !identity.unresolved_reason.empty() ? identity.unresolved_reason : read.unresolved_reason;
    edge.assumptions = assumptions;
    edge.assumptions.insert(edge.assumptions.end(), identity.assumptions.begin(),
                            identity.assumptions.end());
    edge.assumptions.insert(edge.assumptions.end(), read.assumptions.begin(),
                            read.assumptions.end());
    note_helm_source(*parsed.object->document, edge);
    context.edges.push_back(std::move(edge));
  }
}

class CsiResolver {
 public:
  CsiResolver(const ObjectIndex& index, ResolveContext& context)
      : index_(index), context_(context) {}

  void resolve() {
    for (const KubeObject& object : index_.objects()) {
      if (is_kustomize_patch(object)) {
        context_.warning(*object.document, object.node(),
                         object.display() +
                             " has no spec.selector, so it is a kustomize patch; scan the "
                             "`kustomize build` output instead");
        continue;
      }
      std::optional<PodTemplate> pod = find_pod_template(object);
      if (pod) resolve_pod(*pod);
    }
    for (const KubeObject& object : index_.objects()) {
      if (object.kind != "SecretProviderClass" || mounted_.count(&object)) continue;
      const ParsedClass* parsed = parsed_class(object);
      if (!parsed) continue;
      IdentityResult unknown;
      if (parsed->provider == "azure") unknown.identity.provider = "azure";
      unknown.unresolved_reason = "no scanned pod mounts " + object.display() +
                                  "; the runtime identity is the ServiceAccount of the pod that "
                                  "mounts it, so scan that workload too";
      add_edges(*parsed, unknown, {}, {}, context_);
    }
  }

 private:
  void resolve_pod(const PodTemplate& pod) {
    const KubeObject& owner = *pod.owner;
    YAML::Node volumes = child(pod.spec, "volumes");
    if (!volumes.IsSequence()) return;
    for (const auto& volume : volumes) {
      YAML::Node csi = child(volume, "csi");
      if (child_text(csi, "driver") != kCsiDriver) continue;
      YAML::Node class_node = child(child(csi, "volumeAttributes"), "secretProviderClass");
      std::string class_name = util::scalar_text(class_node);
      if (class_name.empty()) continue;
      const KubeObject* found =
          index_.find("SecretProviderClass", owner.kubernetes_namespace, class_name);
      if (!found) {
        add_missing_class_edge(pod, volume, class_node, class_name);
        continue;
      }
      mounted_.insert(found);
      const ParsedClass* parsed = parsed_class(*found);
      if (parsed) add_pod_edges(pod, csi, *parsed);
    }
  }

  // A mounted class that is not scanned hides every secret it names, so it
  // becomes an unresolved edge, which the gate and every channel report.
  void add_missing_class_edge(const PodTemplate& pod, const YAML::Node& volume,
                              const YAML::Node& class_node, const std::string& class_name) {
    const KubeObject& owner = *pod.owner;
    std::string display = "SecretProviderClass " + owner.kubernetes_namespace + "/" + class_name;
    PermissionEdge edge;
    edge.reference = make_reference(*owner.document, class_node, "csi-volume",
                                    "volumes[" + child_text(volume, "name") +
                                        "].csi.volumeAttributes.secretProviderClass");
    edge.secret.provider = "kubernetes";
    edge.secret.service = "secrets-store-csi";
    edge.secret.id = display;
    edge.operation = "mount";
    YAML::Node metadata = child(owner.node(), "metadata");
    edge.identity.chain.push_back(
        make_step(*owner.document, metadata ? metadata : owner.node(), owner.display()));
    edge.unresolved_reason = display + " mounted by " + owner.display() +
                             " is not in the scanned manifests, so the secrets it names are "
                             "unknown; scan the manifests that create it";
    note_helm_source(*owner.document, edge);
    context_.edges.push_back(std::move(edge));
  }

  void add_pod_edges(const PodTemplate& pod, const YAML::Node& csi, const ParsedClass& parsed) {
    const KubeObject& owner = *pod.owner;
    const std::string& ns = owner.kubernetes_namespace;
    IdentityResult identity;
    if (parsed.provider == "gcp") {
      identity = resolve_gcp_identity(pod, csi, parsed);
    } else if (parsed.provider == "azure") {
      identity = resolve_azure_csi_identity(index_, context_.config, pod, parsed);
    } else if (parsed.use_pod_identity) {
      // The CSI provider follows its own usePodIdentity parameter, not the
      // Pod Identity webhook's precedence.
      identity = resolve_pod_identity(context_.config, ns, pod.service_account);
    } else {
      identity = resolve_irsa(index_, context_.config, ns, pod.service_account);
    }
    YAML::Node metadata = child(owner.node(), "metadata");
    std::vector<ChainStep> prefix = {
        make_step(*owner.document, metadata ? metadata : owner.node(), owner.display())};
    std::vector<std::string> assumptions;
    if (!owner.namespace_assumption().empty()) assumptions.push_back(owner.namespace_assumption());
    if (pod.service_account_defaulted)
      assumptions.push_back(owner.display() +
                            " sets no serviceAccountName, so it runs as \"default\"");
    add_edges(parsed, identity, prefix, assumptions, context_);
  }

  // The Google provider reads as the pod's ServiceAccount (auth pod-adc, the
  // default) unless the class sets auth provider-adc or the volume passes a
  // key file through nodePublishSecretRef.
  IdentityResult resolve_gcp_identity(const PodTemplate& pod, const YAML::Node& csi,
                                      const ParsedClass& parsed) {
    IdentityResult identity;
    identity.identity.provider = "gcp";
    identity.identity.audience.clear();
    std::string key_secret = child_text(child(csi, "nodePublishSecretRef"), "name");
    if (!key_secret.empty()) {
      identity.unresolved_reason =
          pod.owner->display() + " passes Secret " + key_secret +
          " as nodePublishSecretRef, so the provider reads with the service account key in its "
          "key.json, whose account the manifests cannot show";
      return identity;
    }
    if (parsed.gcp_auth == "provider-adc") {
      identity.unresolved_reason =
          parsed.object->display() +
          " sets auth provider-adc, so the provider DaemonSet reads with its own credentials, "
          "which the manifests cannot show; use pod-adc (the default) to read as the pod";
      return identity;
    }
    return resolve_gke_identity(index_, context_.config, pod.owner->kubernetes_namespace,
                                pod.service_account);
  }

  const ParsedClass* parsed_class(const KubeObject& object) {
    auto found = classes_.find(&object);
    if (found != classes_.end()) return found->second ? &*found->second : nullptr;
    std::optional<ParsedClass> parsed;
    std::string provider = child_text(child(object.node(), "spec"), "provider");
    if (provider == "aws") parsed = ClassParser(object, context_).parse();
    if (provider == "gcp") parsed = parse_gcp_class(object, context_);
    if (provider == "azure") parsed = parse_azure_class(object, context_);
    auto [inserted, _] = classes_.emplace(&object, std::move(parsed));
    return inserted->second ? &*inserted->second : nullptr;
  }

  const ObjectIndex& index_;
  ResolveContext& context_;
  std::set<const KubeObject*> mounted_;
  std::map<const KubeObject*, std::optional<ParsedClass>> classes_;
};

}  // namespace

std::optional<bool> parse_go_bool(const std::string& text) {
  if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" ||
      text == "True")
    return true;
  if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" ||
      text == "False")
    return false;
  return std::nullopt;
}

void resolve_secrets_store_csi(const ObjectIndex& index, ResolveContext& context) {
  CsiResolver(index, context).resolve();
}

}  // namespace sp::resolve::kubernetes
