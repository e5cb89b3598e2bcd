// Secrets Store CSI Driver with the AWS, Google and Azure providers: each object
// or secret of a SecretProviderClass, read as the ServiceAccount of every pod
// that mounts the class.
#pragma once

#include "resolve/context.h"
#include "resolve/kubernetes/object_index.h"

namespace sp::resolve::kubernetes {

/// Adds an edge per object (per jmesPath path) of every `provider: aws`
/// SecretProviderClass, for every pod template that mounts it through a
/// `secrets-store.csi.k8s.io` volume, plus a secretsmanager:DescribeSecret
/// edge per Secrets Manager object when kubernetes.secrets_store_csi.rotation
/// is set. Likewise an edge per `secrets` entry of every `provider: gcp`
/// class, read through GKE Workload Identity, and per `secret` object of
/// every `provider: azure` class, read as its clientID. A class that no scanned pod
/// mounts gives unresolved edges.
void resolve_secrets_store_csi(const ObjectIndex& index, ResolveContext& context);

/// Parses Go strconv.ParseBool forms: 1, t, T, TRUE, true, True and the
/// false forms 0, f, F, FALSE, false, False. Returns nullopt otherwise.
std::optional<bool> parse_go_bool(const std::string& text);

}  // namespace sp::resolve::kubernetes
