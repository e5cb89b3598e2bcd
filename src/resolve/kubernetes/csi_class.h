// A parsed SecretProviderClass: the reads each mount of it performs. Shared
// by the AWS and Google provider parsers and the CSI resolver.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "manifest/document.h"
#include "resolve/context.h"
#include "resolve/kubernetes/object_index.h"

namespace sp::resolve::kubernetes {

/// One secret read of a class: an object, or one jmesPath path of it.
struct CsiRead {
  SecretReference reference;
  SecretTarget secret;
  std::string operation;
  std::string unresolved_reason;
  std::vector<std::string> assumptions;
};

/// A SecretProviderClass with provider aws or gcp, parsed once however many
/// pods mount it, so its diagnostics appear once.
struct ParsedClass {
  const KubeObject* object = nullptr;
  /// "aws" or "gcp".
  std::string provider;
  /// AWS: the usePodIdentity parameter.
  bool use_pod_identity = false;
  /// Google: the auth parameter ("pod-adc", "provider-adc"), empty when absent.
  std::string gcp_auth;
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

}  // namespace sp::resolve::kubernetes
