// Manifest loading: a byte buffer loaded as one repository file, which
// covers YAML stream splitting, Helm `# Source:` comments, List items,
// duplicate keys and ECS task definition JSON. The first byte picks the
// file extension, because `.json` files take the ECS path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "manifest/load.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* path = (data[0] & 1) ? "deploy/task.json" : "deploy/app.yaml";
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<sp::Diagnostic> diagnostics;
  std::vector<sp::manifest::Document> documents =
      sp::manifest::load_manifest_text(path, text, diagnostics);
  // Every node's position must map back into the file.
  for (const auto& document : documents) {
    sp::SourceLocation location = document.locate(document.root);
    (void)document.file->line_text(location.line);
  }
  return 0;
}
