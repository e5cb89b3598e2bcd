#include "resolve/context.h"

namespace sp::resolve {

void ResolveContext::error(const manifest::Document& document, const YAML::Node& node,
                           std::string message) {
  diagnostics.push_back(manifest::make_diagnostic(Diagnostic::Severity::kError, *document.file,
                                                  document.locate(node), std::move(message)));
}

void ResolveContext::warning(const manifest::Document& document, const YAML::Node& node,
                             std::string message) {
  diagnostics.push_back(manifest::make_diagnostic(Diagnostic::Severity::kWarning, *document.file,
                                                  document.locate(node), std::move(message)));
}

ChainStep make_step(const manifest::Document& document, const YAML::Node& node, std::string step) {
  return ChainStep{std::move(step), document.locate(node)};
}

SecretReference make_reference(const manifest::Document& document, const YAML::Node& node,
                               std::string kind, std::string path) {
  return SecretReference{document.locate(node), std::move(kind), std::move(path)};
}

std::string placeholder_reason(const std::string& field, const std::string& value,
                               const std::string& placeholder) {
  return field + " \"" + value + "\" still holds the template placeholder \"" + placeholder +
         "\"; render the manifests (helm template, envsubst, kustomize build) and scan the output";
}

void note_helm_source(const manifest::Document& document, PermissionEdge& edge) {
  if (!document.helm_source.empty())
    edge.assumptions.push_back("rendered from Helm template " + document.helm_source);
}

}  // namespace sp::resolve
