#include "resolve/resolve.h"

#include "manifest/discover.h"
#include "manifest/load.h"
#include "resolve/aws/ecs_task_definition.h"
#include "resolve/context.h"
#include "resolve/gcp/cloud_run.h"
#include "resolve/kubernetes/external_secrets.h"
#include "resolve/kubernetes/object_index.h"
#include "resolve/kubernetes/secrets_store_csi.h"

namespace sp::resolve {

void resolve_documents(const std::vector<manifest::Document>& documents,
                       const config::Config& config, ResolveResult& result) {
  ResolveContext context{config, result.edges, result.diagnostics};
  for (const auto& document : documents) {
    if (document.format == manifest::DocumentFormat::kEcsTaskDefinition)
      aws::resolve_ecs_task_definition(document, context);
    gcp::resolve_cloud_run(document, context);
  }
  kubernetes::ObjectIndex index(documents, config.kubernetes.default_namespace);
  kubernetes::resolve_secrets_store_csi(index, context);
  kubernetes::resolve_external_secrets(index, context);
}

ResolveResult resolve_repository(const std::string& root, const std::vector<std::string>& paths,
                                 const config::Config& config) {
  ResolveResult result;
  std::vector<manifest::Document> documents;
  for (const auto& path : manifest::discover_manifest_files(root, paths, result.diagnostics)) {
    std::vector<manifest::Document> loaded =
        manifest::load_manifest_file(root, path, result.diagnostics);
    if (!loaded.empty()) ++result.manifest_files;
    documents.insert(documents.end(), std::make_move_iterator(loaded.begin()),
                     std::make_move_iterator(loaded.end()));
  }
  resolve_documents(documents, config, result);
  return result;
}

}  // namespace sp::resolve
