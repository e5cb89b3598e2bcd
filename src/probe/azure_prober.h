// The Azure side of a probe run: becomes each edge's workload identity (a
// managed identity's or app's client ID) with the CI's OIDC token as a
// federated client assertion, and reads the Key Vault secret as it.
#pragma once

#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "auth/azure_tokens.h"
#include "config/config.h"
#include "core/model.h"
#include "probe/azure_probe.h"
#include "probe/shared_reads.h"

namespace sp::probe {

class AzureProber {
 public:
  /// `config` may be null; then the public cloud, the default audience and
  /// no default tenant apply. With `reads`, edges that make the same read
  /// share one request.
  AzureProber(http::HttpTransport& transport, const config::Config* config, auth::TokenOptions token_options,
              auth::RetryPolicy retry, SharedReads* reads = nullptr);

  /// Probes one edge whose secret.provider is "azure". Safe to call from
  /// several threads.
  EdgeResult probe(const PermissionEdge& edge);

 private:
  std::string tenant_for(const RuntimeIdentity& identity, const auth::KeyVaultSecret& secret);
  void check_trust_edge(const PermissionEdge& edge, const std::string& tenant, EdgeResult& result);

  http::HttpTransport& transport_;
  const config::Config* config_;
  auth::RetryPolicy retry_;
  std::string audience_;
  std::optional<auth::AzureCloud> cloud_;
  std::optional<auth::AzureTokenBroker> broker_;
  SharedReads* reads_;
  std::mutex tenant_mutex_;
  /// Tenants read from vault challenges, by vault URL.
  std::map<std::string, std::shared_future<std::string>> vault_tenants_;
};

}  // namespace sp::probe
