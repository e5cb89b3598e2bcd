// A parsed SecretProviderClass: the reads each mount of it performs. Shared
// by the AWS, Google and Azure provider parsers and the CSI resolver.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "manifest/document.h"
#include "resolve/context.h"
#include "resolve/kubernetes/object_index.h"
#include "resolve/kubernetes/pod_template.h"
#include "resolve/kubernetes/service_account_identity.h"

namespace sp::resolve::kubernetes {

/// One secret read of a class: an object, or one jmesPath path of it.
struct CsiRead {
  SecretReference reference;
  SecretTarget secret;
  std::string operation;
  std::string unresolved_reason;
  std::vector<std::string> assumptions;
};

/// A SecretProviderClass with provider aws, gcp or azure, parsed once however
/// many pods mount it, so its diagnostics appear once.
struct ParsedClass {
  const KubeObject* object = nullptr;
  /// "aws", "gcp" or "azure".
  std::string provider;
  /// AWS: the usePodIdentity parameter.
  bool use_pod_identity = false;
  /// Google: the auth parameter ("pod-adc", "provider-adc"), empty when absent.
  std::string gcp_auth;
  /// Azure: the clientID and tenant parameters of workload identity mode,
  /// and the clientID node for the chain step.
  std::string azure_client_id;
  std::string azure_tenant_id;
  YAML::Node azure_client_id_node;
  /// Azure: why the class's identity cannot be resolved (another identity
  /// mode, a missing tenant); empty in workload identity mode.
  std::string azure_identity_problem;
  std::vector<CsiRead> reads;
};

/// Parses a class parameter that contains YAML inside a string (`objects`,
/// `secrets`) into a nested document whose offsets put each node on its real
/// line. Adds an error and returns nullopt when the text is not YAML.
std::optional<manifest::Document> parse_parameter_text(const manifest::Document& document,
                                                       const YAML::Node& text,
                                                       const std::string& parameter,
                                                       ResolveContext& context);

/// Parses a `provider: gcp` class: each entry of its `secrets` parameter.
ParsedClass parse_gcp_class(const KubeObject& object, ResolveContext& context);

/// Parses a `provider: azure` class: its identity mode and each `secret`
/// entry of its `objects` parameter.
ParsedClass parse_azure_class(const KubeObject& object, ResolveContext& context);

/// Resolves who reads an Azure class mounted by `pod`: the class's clientID,
/// federated for the pod's ServiceAccount, whose token the CSI driver
/// requests for the provider.
IdentityResult resolve_azure_csi_identity(const ObjectIndex& index, const config::Config& config,
                                          const PodTemplate& pod, const ParsedClass& parsed);

}  // namespace sp::resolve::kubernetes
