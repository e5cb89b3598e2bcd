// ECS task definitions: container secrets, log driver secret options and
// private registry credentials, all fetched by the task execution role.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/model.h"
#include "manifest/document.h"
#include "resolve/context.h"

namespace sp::resolve::aws {

/// The secret a `valueFrom` names, as the ECS agent reads it.
struct ValueFromTarget {
  SecretTarget secret;
  std::string operation;
  /// Set when the value cannot be probed yet (placeholder, unknown region).
  std::string unresolved_reason;
  /// Set when the value is malformed; the agent would reject it.
  std::string error;
  std::vector<std::string> assumptions;
};

/// Parses an ECS `valueFrom`: a Secrets Manager ARN with no suffix or with
/// exactly `:<json-key>:<version-stage>:<version-id>`, an SSM parameter ARN,
/// or a bare parameter name in the configured region and account.
/// `registry_credentials` parses `credentialsParameter` instead, which names
/// a Secrets Manager secret by ARN or by name.
ValueFromTarget parse_value_from(const std::string& value, const config::Config& config,
                                 bool registry_credentials = false);

/// Adds one permission edge per secret reference of `document`, an ECS task
/// definition, to `context.edges`.
void resolve_ecs_task_definition(const manifest::Document& document, ResolveContext& context);

}  // namespace sp::resolve::aws
