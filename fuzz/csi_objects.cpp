// SecretProviderClass parameter strings: the input becomes the `objects`
// parameter (aws, azure) or the `secrets` parameter (gcp) of a class that a
// Deployment mounts, and the whole class is resolved. The first byte picks
// the provider and whether the string is a block scalar or a double-quoted
// scalar, since the two place nested nodes differently.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "manifest/load.h"
#include "resolve/resolve.h"

namespace {

const char* const kProviders[] = {"aws", "gcp", "azure"};

std::string block_scalar(const std::string& text) {
  std::string out = "|\n";
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += "      " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

std::string quoted_scalar(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"\n";
}

std::string manifests(const std::string& provider, const std::string& parameter_value) {
  std::string parameters;
  if (provider == "aws") {
    parameters = "    region: us-east-1\n    objects: " + parameter_value;
  } else if (provider == "gcp") {
    parameters = "    auth: pod-adc\n    secrets: " + parameter_value;
  } else {
    parameters =
        "    clientID: 11111111-1111-1111-1111-111111111111\n"
        "    tenantId: 00000000-0000-0000-0000-000000000000\n"
        "    keyvaultName: shop-kv\n    objects: " +
        parameter_value;
  }
  return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: shop\n"
         "  annotations:\n"
         "    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/api-runtime\n"
         "    iam.gke.io/gcp-service-account: api@shop-prod.iam.gserviceaccount.com\n"
         "    azure.workload.identity/client-id: 11111111-1111-1111-1111-111111111111\n"
         "---\n"
         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
         "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n"
         "    metadata: {labels: {azure.workload.identity/use: \"true\"}}\n    spec:\n"
         "      serviceAccountName: api\n      volumes:\n        - name: s\n"
         "          csi:\n            driver: secrets-store.csi.k8s.io\n"
         "            volumeAttributes: {secretProviderClass: files}\n"
         "---\n"
         "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\n"
         "metadata: {name: files, namespace: shop}\nspec:\n  provider: " +
         provider + "\n  parameters:\n" + parameters;
}

sp::config::Config make_config() {
  sp::config::Config config;
  config.kubernetes.secrets_store_csi_rotation = true;
  config.gcp.default_project = "shop-prod";
  config.gcp.projects.push_back({"shop-prod", "123456789", "", {}});
  config.azure.tenant_id = "00000000-0000-0000-0000-000000000000";
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const sp::config::Config config = make_config();
  std::string provider = kProviders[(data[0] & 0x7F) % 3];
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string value = (data[0] & 0x80) ? quoted_scalar(text) : block_scalar(text);
  sp::resolve::ResolveResult result;
  std::vector<sp::manifest::Document> documents =
      sp::manifest::load_manifest_text("deploy/csi.yaml", manifests(provider, value),
                                       result.diagnostics);
  sp::resolve::resolve_documents(documents, config, result);
  return 0;
}
