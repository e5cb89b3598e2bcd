#include "resolve/gcp/names.h"
#include "resolve/kubernetes/csi_class.h"
#include "resolve/placeholder.h"
#include "util/yaml_node.h"

namespace sp::resolve::kubernetes {
namespace {

using util::child;
using util::child_text;

void parse_secret(const KubeObject& object, const manifest::Document& nested,
                  const YAML::Node& entry, size_t index, ResolveContext& context,
                  std::vector<CsiRead>& reads) {
  YAML::Node resource = child(entry, "resourceName");
  if (!util::has_text(resource)) {
    context.error(nested, entry,
                  "missing resourceName in a \"secrets\" entry of " + object.display());
    return;
  }
  std::string name = resource.Scalar();
  // `fileName` is the provider's older spelling of `path`.
  std::string file = child_text(entry, "path");
  if (file.empty()) file = child_text(entry, "fileName");
  if (file.empty()) file = std::to_string(index);

  CsiRead read;
  read.reference = make_reference(nested, resource, "csi-gcp-secret",
                                  "spec.parameters.secrets[" + file + "].resourceName");
  read.operation = "secretmanager.versions.access";
  read.secret.provider = "gcp";
  read.secret.service = "secretmanager";
  read.secret.id = name;
  std::string placeholder = find_placeholder(name);
  if (!placeholder.empty()) {
    read.unresolved_reason = placeholder_reason("resourceName", name, placeholder);
    reads.push_back(std::move(read));
    return;
  }
  if (name.starts_with("projects/") && name.find("/parameters/") != std::string::npos) {
    // NOTE: Parameter Manager versions need their own probe
    // (parametermanager.parameterVersions.render), which does not exist yet.
    context.warning(nested, resource,
                    "resourceName \"" + name +
                        "\" is a Parameter Manager version, which secret-preflight does not "
                        "check yet");
    return;
  }
  std::optional<gcp::SecretName> parsed = gcp::parse_secret_name(name);
  if (!parsed || parsed->version.empty()) {
    context.error(nested, resource,
                  "invalid resourceName \"" + name + "\" in " + object.display() +
                      ": expected projects/PROJECT/secrets/SECRET/versions/VERSION");
    return;
  }
  read.secret = gcp::make_secret_target(*parsed);
  read.secret.json_key = child_text(entry, "extractJSONKey");
  std::string yaml_key = child_text(entry, "extractYAMLKey");
  if (!yaml_key.empty())
    read.assumptions.push_back("extractYAMLKey \"" + yaml_key +
                               "\" is not checked; only the secret version is read");
  reads.push_back(std::move(read));
}

}  // namespace

ParsedClass parse_gcp_class(const KubeObject& object, ResolveContext& context) {
  ParsedClass parsed;
  parsed.object = &object;
  parsed.provider = "gcp";
  const manifest::Document& document = *object.document;
  YAML::Node parameters = child(child(object.node(), "spec"), "parameters");
  YAML::Node auth = child(parameters, "auth");
  parsed.gcp_auth = util::scalar_text(auth);
  if (!parsed.gcp_auth.empty() && parsed.gcp_auth != "pod-adc" &&
      parsed.gcp_auth != "provider-adc") {
    context.error(document, auth,
                  "invalid auth \"" + parsed.gcp_auth +
                      "\": the Google provider accepts pod-adc or provider-adc");
  }
  YAML::Node secrets = child(parameters, "secrets");
  if (!util::has_text(secrets)) {
    context.error(document, parameters ? parameters : object.node(),
                  object.display() + " has no \"secrets\" parameter; list the secrets to mount");
    return parsed;
  }
  std::optional<manifest::Document> nested =
      parse_parameter_text(document, secrets, "secrets", context);
  if (!nested) return parsed;
  if (!nested->root.IsSequence()) {
    context.error(document, secrets, "SecretProviderClass parameter \"secrets\" must be a YAML list");
    return parsed;
  }
  for (size_t i = 0; i < nested->root.size(); ++i)
    parse_secret(object, *nested, nested->root[i], i, context, parsed.reads);
  return parsed;
}

}  // namespace sp::resolve::kubernetes
