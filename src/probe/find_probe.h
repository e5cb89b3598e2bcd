// Probes of External Secrets `dataFrom[].find` edges, which list Secrets
// Manager secrets by filters and read every match, as the External Secrets
// AWS provider does. Values are wiped as soon as they are parsed.
#pragma once

#include <optional>

#include "core/model.h"
#include "probe/aws_errors.h"
#include "probe/secret_probe.h"

namespace sp::probe {

/// Probes an edge whose `secret.find` is set:
/// - secretsmanager:ListSecrets: ListSecrets with the find's filters, names
///   matched against `name_regexp`; no match is not-found.
/// - secretsmanager:BatchGetSecretValue: BatchGetSecretValue with the same
///   filters; an `Errors[]` entry for a matching secret is that secret's
///   denied or not-found.
/// - secretsmanager:GetSecretValue: ListSecrets, then GetSecretValue on each
///   match by name until the first failure, as External Secrets does for a
///   find with only `name.regexp`.
/// Other operations give inconclusive.
Classification probe_find(const PermissionEdge& edge, const ProbeCall& call,
                          std::optional<ProviderError>& error);

}  // namespace sp::probe
