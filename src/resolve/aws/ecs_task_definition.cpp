#include "resolve/aws/ecs_task_definition.h"

#include "resolve/aws/arn.h"
#include "resolve/placeholder.h"
#include "util/yaml_node.h"

namespace sp::resolve::aws {
namespace {

using util::child;
using util::child_text;

std::string config_file(const config::Config& config) {
  return config.path.empty() ? ".github/secret-preflight.yml" : config.path;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// Secrets Manager ARN: resource `secret:<id>` or
// `secret:<id>:<json-key>:<version-stage>:<version-id>`, the only two shapes
// the ECS agent accepts; with both version fields empty it reads AWSCURRENT.
void parse_secret_arn(const std::string& value, const Arn& arn, bool registry_credentials,
                      ValueFromTarget& target) {
  target.secret.service = "secretsmanager";
  target.operation = "secretsmanager:GetSecretValue";
  if (!arn.resource.starts_with("secret:")) {
    target.error =
        "invalid Secrets Manager ARN \"" + value + "\": the resource must start with \"secret:\"";
    return;
  }
  std::vector<std::string> parts = split(arn.resource.substr(7), ':');
  if (parts.size() == 1) {
    target.secret.id = value;
  } else if (parts.size() == 4 && !registry_credentials) {
    target.secret.id = "arn:" + arn.partition + ":secretsmanager:" + arn.region + ":" +
                       arn.account + ":secret:" + parts[0];
    target.secret.json_key = parts[1];
    target.secret.version_stage = parts[2];
    target.secret.version_id = parts[3];
  } else if (registry_credentials) {
    target.error = "invalid credentialsParameter \"" + value +
                   "\": it takes a secret ARN or name without a JSON key suffix";
    return;
  } else {
    target.error = "invalid valueFrom \"" + value +
                   "\": after the secret name ECS accepts nothing or exactly "
                   "\":<json-key>:<version-stage>:<version-id>\" (write empty fields as \"::\")";
    return;
  }
  if (!target.secret.version_stage.empty() && !target.secret.version_id.empty()) {
    target.error = "invalid valueFrom \"" + value +
                   "\": version-stage and version-id exclude each other; keep one";
    return;
  }
  if (target.secret.version_stage.empty() && target.secret.version_id.empty())
    target.secret.version_stage = "AWSCURRENT";
}

// A name that is not an ARN lives in the task's own region and account, which
// the task definition does not state.
void resolve_name(const std::string& value, const config::Config& config, bool registry_credentials,
                  ValueFromTarget& target) {
  target.secret.id = value;
  if (registry_credentials) {
    target.secret.service = "secretsmanager";
    target.secret.version_stage = "AWSCURRENT";
    target.operation = "secretsmanager:GetSecretValue";
  } else {
    target.secret.service = "ssm";
    target.operation = "ssm:GetParameters";
  }
  std::string what = registry_credentials ? "a secret name" : "a parameter name";
  if (config.aws.region.empty()) {
    target.unresolved_reason = "\"" + value + "\" is " + what +
                               ", which ECS reads in the task's own region; set aws.region in " +
                               config_file(config) + " or use the full ARN";
    return;
  }
  target.secret.region = config.aws.region;
  target.secret.account = config.aws.account;
  target.assumptions.push_back("region " + config.aws.region + " of \"" + value +
                               "\" taken from aws.region in the config file");
  if (!config.aws.account.empty())
    target.assumptions.push_back("account " + config.aws.account + " of \"" + value +
                                 "\" taken from aws.account in the config file");
}

}  // namespace

ValueFromTarget parse_value_from(const std::string& value, const config::Config& config,
                                 bool registry_credentials) {
  ValueFromTarget target;
  std::string placeholder = find_placeholder(value);
  if (!placeholder.empty()) {
    target.secret.id = value;
    target.secret.service = registry_credentials ? "secretsmanager" : "";
    target.unresolved_reason = placeholder_reason("valueFrom", value, placeholder);
    return target;
  }
  std::optional<Arn> arn = parse_arn(value);
  if (!arn) {
    resolve_name(value, config, registry_credentials, target);
  } else if (arn->service == "secretsmanager") {
    target.secret.region = arn->region;
    target.secret.account = arn->account;
    parse_secret_arn(value, *arn, registry_credentials, target);
  } else if (arn->service == "ssm" && !registry_credentials) {
    target.secret.service = "ssm";
    target.secret.id = value;
    target.secret.region = arn->region;
    target.secret.account = arn->account;
    target.operation = "ssm:GetParameters";
    if (!arn->resource.starts_with("parameter/"))
      target.error = "invalid SSM parameter ARN \"" + value +
                     "\": the resource must start with \"parameter/\"";
  } else {
    target.error = "\"" + value + "\" names service \"" + arn->service + "\"; ECS reads " +
                   (registry_credentials ? "registry credentials only from Secrets Manager"
                                         : "secrets only from Secrets Manager and SSM Parameter "
                                           "Store");
  }
  const std::string reference_prefix = "/aws/reference/secretsmanager/";
  std::string name = target.secret.id;
  const std::string parameter_prefix = "parameter/";
  if (arn && arn->service == "ssm" && arn->resource.starts_with(parameter_prefix))
    name = "/" + arn->resource.substr(parameter_prefix.size());
  if (target.secret.service == "ssm" && name.starts_with(reference_prefix))
    target.assumptions.push_back("reads Secrets Manager secret \"" +
                                 name.substr(reference_prefix.size()) +
                                 "\" through SSM, so secretsmanager:GetSecretValue is needed too");
  return target;
}

namespace {

/// The execution role of one task definition, shared by all its edges.
struct ExecutionRole {
  RuntimeIdentity identity;
  std::string unresolved_reason;
  std::vector<std::string> assumptions;
};

ExecutionRole resolve_execution_role(const manifest::Document& document, ResolveContext& context,
                                     const std::string& family) {
  ExecutionRole role;
  role.identity.mechanism = IdentityMechanism::kEcsExecutionRole;
  YAML::Node family_node = child(document.root, "family");
  role.identity.chain.push_back(
      make_step(document, family_node ? family_node : document.root, "task definition " + family));
  YAML::Node role_node = child(document.root, "executionRoleArn");
  std::string value = util::scalar_text(role_node);
  if (value.empty()) {
    role.unresolved_reason = "task definition " + family +
                             " names secrets but has no executionRoleArn; add executionRoleArn, "
                             "the role ECS fetches secrets with (taskRoleArn is never used)";
    return role;
  }
  std::string placeholder = find_placeholder(value);
  if (!placeholder.empty()) {
    role.unresolved_reason = placeholder_reason("executionRoleArn", value, placeholder);
  } else if (is_role_arn(value)) {
    role.identity.principal = value;
  } else if (!value.starts_with("arn:") && value.find('/') == std::string::npos &&
             !context.config.aws.account.empty()) {
    role.identity.principal = "arn:aws:iam::" + context.config.aws.account + ":role/" + value;
    role.assumptions.push_back("executionRoleArn \"" + value + "\" is a role name; account " +
                               context.config.aws.account + " taken from aws.account");
  } else if (!value.starts_with("arn:")) {
    role.unresolved_reason = "executionRoleArn \"" + value +
                             "\" is a role name; write the full role ARN or set aws.account in " +
                             config_file(context.config);
  } else {
    context.error(document, role_node,
                  "invalid executionRoleArn \"" + value +
                      "\": expected an IAM role ARN such as arn:aws:iam::111122223333:role/name");
    role.unresolved_reason = "executionRoleArn \"" + value + "\" is not an IAM role ARN";
  }
  return role;
}

class TaskDefinitionResolver {
 public:
  TaskDefinitionResolver(const manifest::Document& document, ResolveContext& context)
      : document_(document), context_(context) {
    family_ = child_text(document.root, "family");
    if (family_.empty()) family_ = document.file->path;
  }

  void resolve() {
    YAML::Node containers = child(document_.root, "containerDefinitions");
    if (!containers.IsSequence()) return;
    for (size_t i = 0; i < containers.size(); ++i) {
      YAML::Node container = containers[i];
      std::string name = child_text(container, "name");
      std::string prefix =
          "containerDefinitions[" + (name.empty() ? std::to_string(i) : name) + "]";
      resolve_list(child(container, "secrets"), prefix + ".secrets", "ecs-container-secret",
                   "executionRoleArn fetches container secrets");
      resolve_list(child(child(container, "logConfiguration"), "secretOptions"),
                   prefix + ".logConfiguration.secretOptions", "ecs-log-secret-option",
                   "executionRoleArn fetches log driver secret options");
      YAML::Node credentials =
          child(child(container, "repositoryCredentials"), "credentialsParameter");
      if (util::has_text(credentials))
        add_edge(credentials, "ecs-repository-credentials",
                 prefix + ".repositoryCredentials.credentialsParameter",
                 "executionRoleArn fetches registry credentials", true);
    }
  }

 private:
  void resolve_list(const YAML::Node& list, const std::string& prefix, const std::string& kind,
                    const std::string& step) {
    if (!list.IsSequence()) return;
    for (size_t i = 0; i < list.size(); ++i) {
      YAML::Node value_from = child(list[i], "valueFrom");
      if (!util::has_text(value_from)) continue;
      std::string name = child_text(list[i], "name");
      add_edge(value_from, kind,
               prefix + "[" + (name.empty() ? std::to_string(i) : name) + "].valueFrom", step,
               false);
    }
  }

  void add_edge(const YAML::Node& value_node, const std::string& kind, const std::string& path,
                const std::string& step, bool registry_credentials) {
    if (!role_) role_ = resolve_execution_role(document_, context_, family_);
    ValueFromTarget target =
        parse_value_from(value_node.Scalar(), context_.config, registry_credentials);
    if (!target.error.empty()) {
      context_.error(document_, value_node, target.error);
      return;
    }
    PermissionEdge edge;
    edge.reference = make_reference(document_, value_node, kind, path);
    edge.secret = target.secret;
    edge.identity = role_->identity;
    YAML::Node role_node = child(document_.root, "executionRoleArn");
    edge.identity.chain.push_back(
        make_step(document_, role_node ? role_node : document_.root, step));
    edge.operation = target.operation;
    edge.unresolved_reason =
        !role_->unresolved_reason.empty() ? role_->unresolved_reason : target.unresolved_reason;
    edge.assumptions = role_->assumptions;
    edge.assumptions.insert(edge.assumptions.end(), target.assumptions.begin(),
                            target.assumptions.end());
    note_helm_source(document_, edge);
    context_.edges.push_back(std::move(edge));
  }

  const manifest::Document& document_;
  ResolveContext& context_;
  std::string family_;
  std::optional<ExecutionRole> role_;
};

}  // namespace

void resolve_ecs_task_definition(const manifest::Document& document, ResolveContext& context) {
  TaskDefinitionResolver(document, context).resolve();
}

}  // namespace sp::resolve::aws
