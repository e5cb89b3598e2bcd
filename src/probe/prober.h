// The probe stage: for each permission edge, become the runtime identity
// through STS and perform the platform's read of the secret as it.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "core/model.h"

namespace sp::http {
class HttpTransport;
}

namespace sp::probe {

struct ProbeOptions {
  /// PEM CA bundle; empty falls back to SECRET_PREFLIGHT_CA_BUNDLE, then AWS_CA_BUNDLE.
  std::string ca_bundle;
  /// Maximum number of edges probed at once, and of open connections.
  int concurrency = 16;
  /// Attempts per provider call, the first included.
  int max_attempts = 3;
  /// Backoff base: the wait before retry n is rand(0,1) * min(base * 2^(n-1), 20) seconds.
  double base_delay_seconds = 1.0;
  /// Bound on the whole probe stage in seconds; 0 for none. Edges left when
  /// it passes are inconclusive.
  double deadline_seconds = 0;
  /// Timeout of one HTTP request in seconds, connection included.
  double request_timeout_seconds = 30;
  std::string token_file;
  std::string token_env;
  /// Audience requested for the CI's OIDC token.
  std::string audience = "sts.amazonaws.com";
  /// Marks STS sessions (secret-preflight-<run id>); empty takes GITHUB_RUN_ID, else time and pid.
  std::string run_id;
  const config::Config* config = nullptr;
};

/// Probes every edge whose unresolved_reason is empty; the others come back
/// unresolved with the reason as message. Results are in input order. Never
/// throws for provider or network failures: they become verdicts.
std::vector<EdgeResult> probe_edges(const std::vector<PermissionEdge>& edges, const ProbeOptions& options);

/// As probe_edges(), over `transport` (tests pass a fake).
std::vector<EdgeResult> probe_edges(const std::vector<PermissionEdge>& edges, const ProbeOptions& options,
                                    http::HttpTransport& transport);

}  // namespace sp::probe
