#include "probe/prober.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "auth/aws_credentials.h"
#include "auth/aws_sts.h"
#include "auth/ci_token.h"
#include "auth/endpoints.h"
#include "probe/aws_errors.h"
#include "probe/secret_probe.h"
#include "probe/trust_policy.h"
#include "util/http.h"
#include "util/log.h"

namespace sp::probe {
namespace {

constexpr const char* kOperatorNote = "operator can read, runtime identity cannot";

// Shared state of one probe run.
class Run {
 public:
  Run(const ProbeOptions& options, http::HttpTransport& transport)
      : options_(options),
        transport_(transport),
        retry_(make_retry(options)),
        tokens_(transport, auth::TokenOptions{options.token_file, options.token_env, options.audience},
                retry_),
        region_(auth::default_region(options.config)),
        sts_(transport, tokens_, make_sts_options(options, retry_, region_)),
        operator_(auth::operator_credentials_from_env()) {}

  EdgeResult probe(const PermissionEdge& edge);

 private:
  static auth::RetryPolicy make_retry(const ProbeOptions& options) {
    auth::RetryPolicy retry;
    retry.max_attempts = options.max_attempts;
    retry.base_delay_seconds = options.base_delay_seconds;
    if (options.deadline_seconds > 0)
      retry.deadline = auth::Clock::now() + std::chrono::duration_cast<auth::Clock::duration>(
                                                std::chrono::duration<double>(options.deadline_seconds));
    return retry;
  }

  static auth::StsOptions make_sts_options(const ProbeOptions& options, const auth::RetryPolicy& retry,
                                           const std::string& region) {
    auth::StsOptions sts;
    // NOTE: with no region configured anywhere, STS is called in us-east-1.
    sts.region = region.empty() ? "us-east-1" : region;
    sts.run_id = options.run_id.empty() ? auth::default_run_id() : options.run_id;
    sts.retry = retry;
    return sts;
  }

  std::string secret_region(const PermissionEdge& edge) const {
    if (!edge.secret.region.empty()) return edge.secret.region;
    return region_.empty() ? "us-east-1" : region_;
  }

  void check_trust_edge(const PermissionEdge& edge, const auth::SessionResult& session,
                        bool preflight, EdgeResult& result);
  void compare_with_operator(const PermissionEdge& edge, EdgeResult& result);
  TrustCheck trust_check_for(const RuntimeIdentity& identity, const auth::AwsCredentials& credentials);

  const ProbeOptions& options_;
  http::HttpTransport& transport_;
  auth::RetryPolicy retry_;
  auth::CiTokenSource tokens_;
  std::string region_;
  auth::StsClient sts_;
  std::optional<auth::AwsCredentials> operator_;
  std::mutex trust_mutex_;
  std::map<std::string, std::shared_future<TrustCheck>> trust_checks_;
};

EdgeResult Run::probe(const PermissionEdge& edge) {
  EdgeResult result;
  result.edge = edge;
  const std::string preflight =
      options_.config ? config::preflight_role_for(*options_.config, edge.identity.assumed_before.empty()
                                                                        ? edge.identity.principal
                                                                        : edge.identity.assumed_before.front())
                      : "";
  const bool narrow = options_.config == nullptr || options_.config->aws.session_policy;
  auto hops = auth::plan_hops(edge.identity, preflight, narrow);
  auth::SessionResult session = sts_.session_for(hops);

  FixContext context{edge.operation, edge.identity.principal, edge.secret};
  context.secret.region = secret_region(edge);
  Classification outcome;
  if (session.failure) {
    outcome = classify_session_failure(*session.failure, context, options_.audience);
    result.provider_error = session.failure->error;
  } else {
    ProbeCall call{transport_, *session.credentials, secret_region(edge), retry_, edge.identity.principal};
    outcome = probe_secret(edge, call, result.provider_error);
  }
  result.verdict = outcome.verdict;
  result.layer = outcome.layer;
  result.message = outcome.message;
  result.fix = outcome.fix;

  check_trust_edge(edge, session, !preflight.empty(), result);
  compare_with_operator(edge, result);
  return result;
}

TrustCheck Run::trust_check_for(const RuntimeIdentity& identity, const auth::AwsCredentials& credentials) {
  const std::string key = identity.principal + "\n" + identity.kubernetes_namespace + "\n" +
                          identity.service_account + "\n" + std::to_string(static_cast<int>(identity.mechanism));
  std::promise<TrustCheck> promise;
  {
    std::unique_lock lock(trust_mutex_);
    auto found = trust_checks_.find(key);
    if (found != trust_checks_.end()) {
      auto pending = found->second;
      lock.unlock();
      return pending.get();
    }
    trust_checks_.emplace(key, promise.get_future().share());
  }
  TrustCheck check = probe::check_trust_edge(transport_, credentials, identity, retry_);
  promise.set_value(check);
  return check;
}

// The platform must also be able to assume the runtime role. That edge is
// read with operator or preflight credentials, never the borrowed session.
void Run::check_trust_edge(const PermissionEdge& edge, const auth::SessionResult& session,
                           bool preflight, EdgeResult& result) {
  const RuntimeIdentity& identity = edge.identity;
  if (identity.mechanism != IdentityMechanism::kIrsa &&
      identity.mechanism != IdentityMechanism::kEcsExecutionRole &&
      identity.mechanism != IdentityMechanism::kPodIdentity)
    return;
  if (!identity.assumed_before.empty()) {
    result.message += ". The trust edge was not checked: the platform reaches this role through a role chain";
    return;
  }
  const auth::AwsCredentials* credentials = nullptr;
  if (operator_) credentials = &*operator_;
  else if (preflight && session.first_hop) credentials = session.first_hop.get();
  if (credentials == nullptr) {
    result.message += ". The trust edge was not checked: no operator or preflight credentials to read "
                      "the role's trust policy";
    return;
  }
  TrustCheck check = trust_check_for(identity, *credentials);
  if (check.outcome == TrustCheck::Outcome::kNotChecked) {
    result.message += ". The trust edge was not checked: " + check.note;
  } else if (check.outcome == TrustCheck::Outcome::kNotAdmitted) {
    result.message = check.note + " (probe: " + std::string(to_string(result.verdict)) + ", " +
                     result.message + ")";
    result.verdict = Verdict::kDenied;
    result.layer = Layer::kTrustPolicy;
    result.fix = "Add this statement to the trust policy of " + role_name(identity.principal) + ": " +
                 check.statement;
  }
}

void Run::compare_with_operator(const PermissionEdge& edge, EdgeResult& result) {
  if (!operator_ || result.layer == Layer::kTrustPolicy) return;
  if (result.verdict != Verdict::kDenied && result.verdict != Verdict::kNotFound) return;
  ProbeCall call{transport_, *operator_, secret_region(edge), retry_, "operator credentials"};
  std::optional<ProviderError> ignored;
  Classification as_operator = probe_secret(edge, call, ignored);
  if (as_operator.verdict == Verdict::kOk || as_operator.verdict == Verdict::kKeyMissing)
    result.operator_note = kOperatorNote;
}

}  // namespace

std::vector<EdgeResult> probe_edges(const std::vector<PermissionEdge>& edges, const ProbeOptions& options,
                                    http::HttpTransport& transport) {
  std::vector<EdgeResult> results(edges.size());
  Run run(options, transport);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < edges.size(); i = next++) {
      if (!edges[i].unresolved_reason.empty()) {
        results[i].edge = edges[i];
        results[i].verdict = Verdict::kUnresolved;
        results[i].message = edges[i].unresolved_reason;
        continue;
      }
      results[i] = run.probe(edges[i]);
    }
  };
  size_t workers = std::min<size_t>(std::max(1, options.concurrency), edges.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();
  return results;
}

std::vector<EdgeResult> probe_edges(const std::vector<PermissionEdge>& edges, const ProbeOptions& options) {
  http::TransportOptions transport_options;
  transport_options.ca_bundle = http::resolve_ca_bundle(options.ca_bundle);
  transport_options.max_connections = std::max(1, options.concurrency);
  auto transport = http::make_curl_transport(transport_options);
  return probe_edges(edges, options, *transport);
}

}  // namespace sp::probe
