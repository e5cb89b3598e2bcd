// Resolution of whatever the loader accepts: one file of manifests,
// resolved with a config that sets the region, account, cluster and Google
// and Azure defaults, so every resolver (ECS, Cloud Run, Secrets Store CSI,
// External Secrets) runs its full path.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "manifest/load.h"
#include "resolve/resolve.h"

namespace {

sp::config::Config make_config() {
  sp::config::Config config;
  config.aws.region = "us-east-1";
  config.aws.account = "111122223333";
  config.kubernetes.cluster_name = "shop-prod";
  config.kubernetes.oidc_issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";
  config.kubernetes.external_secrets_controller_role_arn =
      "arn:aws:iam::111122223333:role/external-secrets";
  config.kubernetes.secrets_store_csi_rotation = true;
  config.gcp.default_project = "shop-prod";
  config.gcp.workload_identity_provider =
      "projects/123456789/locations/global/workloadIdentityPools/github/providers/github";
  config.gcp.projects.push_back({"shop-prod", "123456789", "", {}});
  config.azure.tenant_id = "00000000-0000-0000-0000-000000000000";
  return config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const sp::config::Config config = make_config();
  const char* path = (data[0] & 1) ? "deploy/task.json" : "deploy/app.yaml";
  std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  sp::resolve::ResolveResult result;
  std::vector<sp::manifest::Document> documents =
      sp::manifest::load_manifest_text(path, text, result.diagnostics);
  sp::resolve::resolve_documents(documents, config, result);
  return 0;
}
