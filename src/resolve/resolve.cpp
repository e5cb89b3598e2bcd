#include "resolve/resolve.h"

#include "manifest/discover.h"
#include "manifest/load.h"
#include "resolve/aws/ecs_task_definition.h"
#include "resolve/context.h"
#include "resolve/gcp/cloud_run.h"
#include "resolve/kinds.h"
#include "resolve/kubernetes/external_secrets.h"
#include "resolve/kubernetes/object_index.h"
#include "resolve/kubernetes/secrets_store_csi.h"
#include "util/log.h"

namespace sp::resolve {
namespace {

void log_dropped_kinds(const DocumentFilter& filter) {
  if (filter.dropped().empty()) return;
  size_t total = 0;
  std::string kinds;
  for (const auto& [kind, count] : filter.dropped()) {
    total += count;
    if (!kinds.empty()) kinds += ", ";
    kinds += kind + " (" + std::to_string(count) + ")";
  }
  log::debug("resolve", "skipped " + std::to_string(total) +
                            " documents of kinds no resolver reads: " + kinds);
}

}  // namespace

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
                                 const config::Config& config,
                                 const manifest::LoadOptions& load_options) {
  ResolveResult result;
  std::vector<manifest::Document> documents;
  DocumentFilter filter(result.diagnostics);
  manifest::LoadOptions options = load_options;
  options.keep = [&filter](const manifest::Document& document) { return filter.keep(document); };
  for (const auto& path : manifest::discover_manifest_files(root, paths, result.diagnostics)) {
    size_t seen_before = filter.seen();
    std::vector<manifest::Document> loaded =
        manifest::load_manifest_file(root, path, result.diagnostics, options);
    if (filter.seen() > seen_before) ++result.manifest_files;
    documents.insert(documents.end(), std::make_move_iterator(loaded.begin()),
                     std::make_move_iterator(loaded.end()));
  }
  log_dropped_kinds(filter);
  resolve_documents(documents, config, result);
  return result;
}

}  // namespace sp::resolve
