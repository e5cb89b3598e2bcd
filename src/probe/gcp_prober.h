// The Google Cloud side of a probe run: becomes each edge's runtime service
// account through the CI's workload identity federation and reads the
// secret version as it, or simulates the read where the CI cannot become the
// principal (a GKE Kubernetes ServiceAccount used without a Google service
// account).
#pragma once

#include <future>
#include <map>
#include <mutex>
#include <string>

#include "auth/gcp_tokens.h"
#include "config/config.h"
#include "core/model.h"
#include "probe/gcp_probe.h"
#include "probe/shared_reads.h"

namespace sp::probe {

class GoogleProber {
 public:
  /// `config` may be null; then no workload identity provider is known and
  /// every edge is identity-unavailable. With `reads`, edges that make the
  /// same read share one request.
  GoogleProber(http::HttpTransport& transport, const config::Config* config, auth::TokenOptions token_options,
               auth::RetryPolicy retry, SharedReads* reads = nullptr)
      : transport_(transport),
        config_(config),
        retry_(retry),
        broker_(transport, std::move(token_options), retry),
        reads_(reads) {}

  /// Probes one edge whose secret.provider is "gcp". Safe to call from
  /// several threads.
  EdgeResult probe(const PermissionEdge& edge);

 private:
  void check_trust_edge(const PermissionEdge& edge, const GoogleFixContext& context,
                        const auth::GoogleToken& service_account_token, EdgeResult& result);
  GkeTrustCheck cached_trust_check(const std::string& key, const std::function<GkeTrustCheck()>& check);
  SharedReads::Outcome shared_read(const PermissionEdge& edge, const SharedReads::Read& read);

  http::HttpTransport& transport_;
  const config::Config* config_;
  auth::RetryPolicy retry_;
  auth::GoogleTokenBroker broker_;
  SharedReads* reads_;
  std::mutex trust_mutex_;
  std::map<std::string, std::shared_future<GkeTrustCheck>> trust_checks_;
};

/// Returns the workload identity pool provider for `project` (ID or number):
/// that project's gcp.projects entry, else gcp.workload_identity_provider.
/// The token audience is gcp.audience, else //iam.googleapis.com/<provider>.
/// The resource name is empty when neither is configured.
auth::WorkloadProvider workload_provider_for(const config::Config* config, const std::string& project);

}  // namespace sp::probe
