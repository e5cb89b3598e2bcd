#include "probe/prober.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "auth/aws_credentials.h"
#include "auth/aws_sts.h"
#include "auth/ci_token.h"
#include "auth/endpoints.h"
#include "probe/aws_errors.h"
#include "probe/azure_prober.h"
#include "probe/edge_scheduler.h"
#include "probe/gcp_prober.h"
#include "probe/secret_probe.h"
#include "probe/shared_reads.h"
#include "probe/trust_policy.h"
#include "util/http.h"
#include "util/log.h"

namespace sp::probe {
namespace {

std::chrono::milliseconds to_milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

constexpr const char* kOperatorNote = "operator can read, runtime identity cannot";

// Shared state of one probe run.
class Run {
 public:
  Run(const ProbeOptions& options, http::HttpTransport& transport, SharedReads& reads)
      : options_(options),
        transport_(transport),
        reads_(reads),
        retry_(make_retry(options)),
        tokens_(transport, auth::TokenOptions{options.token_file, options.token_env, options.audience},
                retry_),
        region_(auth::default_region(options.config)),
        sts_(transport, tokens_, make_sts_options(options, retry_, region_)),
        operator_(auth::operator_credentials_from_env()),
        google_(transport, options.config, auth::TokenOptions{options.token_file, options.token_env, ""}, retry_,
                &reads),
        azure_(transport, options.config, auth::TokenOptions{options.token_file, options.token_env, ""}, retry_,
               &reads) {}

  /// Routes `edge` by its secret's provider, so that each provider's tokens
  /// reach only that provider's endpoints.
  EdgeResult dispatch(const PermissionEdge& edge);

 private:
  EdgeResult probe(const PermissionEdge& edge);

  static auth::RetryPolicy make_retry(const ProbeOptions& options) {
    auth::RetryPolicy retry;
    retry.max_attempts = options.max_attempts;
    retry.base_delay_seconds = options.base_delay_seconds;
    retry.request_timeout = to_milliseconds(options.request_timeout_seconds);
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
  TrustCheck cached_trust_check(const std::string& key, const std::function<TrustCheck()>& check_edge);
  TrustCheck check_first_role(const RuntimeIdentity& identity, const std::string& role_arn,
                              const auth::AwsCredentials& credentials);
  TrustCheck check_chain_hop(const RuntimeIdentity& identity, const std::string& role_arn,
                             const std::string& caller_role_arn, const auth::AwsCredentials& credentials);

  const ProbeOptions& options_;
  http::HttpTransport& transport_;
  SharedReads& reads_;
  auth::RetryPolicy retry_;
  auth::CiTokenSource tokens_;
  std::string region_;
  auth::StsClient sts_;
  std::optional<auth::AwsCredentials> operator_;
  std::mutex trust_mutex_;
  std::map<std::string, std::shared_future<TrustCheck>> trust_checks_;
  GoogleProber google_;
  AzureProber azure_;
};

EdgeResult Run::dispatch(const PermissionEdge& edge) {
  const std::string& provider = edge.secret.provider;
  if (provider == "aws" || provider.empty()) return probe(edge);
  if (provider == "gcp") return google_.probe(edge);
  if (provider == "azure") return azure_.probe(edge);
  EdgeResult result;
  result.edge = edge;
  result.message = "secrets of provider \"" + provider + "\" are not probed yet, so this edge was not checked";
  result.fix = "Check this permission by hand.";
  return result;
}

EdgeResult Run::probe(const PermissionEdge& edge) {
  EdgeResult result;
  result.edge = edge;
  // The region becomes part of the endpoint's host name, and signed requests
  // carry the session token, so a region that is not an AWS region name
  // (from a manifest such as a CSI class's region parameter) is never used.
  std::string region = secret_region(edge);
  if (!auth::is_aws_region(region)) {
    result.verdict = Verdict::kUnresolved;
    result.message = "region \"" + region + "\" is not an AWS region name, so " + edge.secret.id +
                     " was not probed";
    result.fix = "Set the region to an AWS region such as us-east-1 in the manifest or in "
                 "aws.region of the config file.";
    return result;
  }
  // The CI follows the platform's role chain unless an aws.roles entry names
  // the runtime role itself. Then the CI becomes that role directly, and the
  // trust-edge check covers the chain's hops.
  RuntimeIdentity probed = edge.identity;
  std::string preflight;
  if (options_.config) {
    const config::RoleAccess* direct =
        probed.assumed_before.empty() ? nullptr : config::find_role_access(*options_.config, probed.principal);
    if (direct) {
      preflight = direct->via;
      probed.assumed_before.clear();
    } else {
      preflight = config::preflight_role_for(
          *options_.config, probed.assumed_before.empty() ? probed.principal : probed.assumed_before.front());
    }
  }
  const bool narrow = options_.config == nullptr || options_.config->aws.session_policy;
  auto hops = auth::plan_hops(probed, preflight, narrow);
  auth::SessionResult session = sts_.session_for(hops);

  FixContext context{edge.operation, edge.identity.principal, edge.secret};
  context.secret.region = secret_region(edge);
  Classification outcome;
  if (session.failure) {
    outcome = classify_session_failure(*session.failure, context, options_.audience);
    result.provider_error = session.failure->error;
  } else {
    SharedReads::Outcome read = reads_.read("runtime", edge, [&](SharedKeys* shared) {
      ProbeCall call{transport_, *session.credentials, secret_region(edge), retry_, edge.identity.principal, shared};
      SharedReads::Outcome own;
      own.classification = probe_secret(edge, call, own.error);
      return own;
    });
    outcome = read.classification;
    result.provider_error = read.error;
  }
  result.verdict = outcome.verdict;
  result.layer = outcome.layer;
  result.message = outcome.message;
  result.fix = outcome.fix;

  check_trust_edge(edge, session, !preflight.empty(), result);
  compare_with_operator(edge, result);
  return result;
}

TrustCheck Run::cached_trust_check(const std::string& key, const std::function<TrustCheck()>& check_edge) {
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
  TrustCheck check = check_edge();
  promise.set_value(check);
  return check;
}

// Checks how the platform becomes the first role: with the ServiceAccount
// token (IRSA), as ECS or as the Pod Identity agent.
TrustCheck Run::check_first_role(const RuntimeIdentity& identity, const std::string& role_arn,
                                 const auth::AwsCredentials& credentials) {
  if (identity.mechanism == IdentityMechanism::kControllerIdentity) {
    TrustCheck check;
    check.note = "how the External Secrets controller obtains " + role_name(role_arn) +
                 " (IRSA, Pod Identity or the node role) is not in the config file";
    return check;
  }
  if (identity.mechanism != IdentityMechanism::kIrsa && identity.mechanism != IdentityMechanism::kEcsExecutionRole &&
      identity.mechanism != IdentityMechanism::kPodIdentity) {
    TrustCheck check;
    check.note = "the manifests do not show how the platform obtains " + role_name(role_arn);
    return check;
  }
  RuntimeIdentity first = identity;
  first.principal = role_arn;
  first.assumed_before.clear();
  const std::string key = "first\n" + role_arn + "\n" + identity.kubernetes_namespace + "\n" +
                          identity.service_account + "\n" + identity.audience + "\n" +
                          std::to_string(static_cast<int>(identity.mechanism));
  return cached_trust_check(
      key, [&] { return probe::check_trust_edge(transport_, credentials, first, retry_); });
}

// Checks that `role_arn` trusts `caller_role_arn`, the role before it in the chain.
TrustCheck Run::check_chain_hop(const RuntimeIdentity& identity, const std::string& role_arn,
                                const std::string& caller_role_arn, const auth::AwsCredentials& credentials) {
  // EKS Pod Identity tags the session when it assumes the target role.
  std::vector<std::string> actions = {"sts:AssumeRole"};
  if (identity.mechanism == IdentityMechanism::kPodIdentity) actions.push_back("sts:TagSession");
  std::string key = "hop\n" + role_arn + "\n" + caller_role_arn;
  for (const auto& action : actions) key += "\n" + action;
  return cached_trust_check(key, [&] {
    return probe::check_chain_trust_edge(transport_, credentials, role_arn, caller_role_arn, actions, retry_);
  });
}

// The platform must also be able to assume the runtime role, and in a chain
// every role before it. Trust policies are read with operator or preflight
// credentials, never the borrowed session. The first hop that a trust policy
// does not admit makes the edge denied, because the platform stops there.
void Run::check_trust_edge(const PermissionEdge& edge, const auth::SessionResult& session,
                           bool preflight, EdgeResult& result) {
  const RuntimeIdentity& identity = edge.identity;
  const bool chain = !identity.assumed_before.empty();
  if (!chain && identity.mechanism != IdentityMechanism::kIrsa &&
      identity.mechanism != IdentityMechanism::kEcsExecutionRole &&
      identity.mechanism != IdentityMechanism::kPodIdentity)
    return;
  const auth::AwsCredentials* credentials = nullptr;
  if (operator_) credentials = &*operator_;
  else if (preflight && session.first_hop) credentials = session.first_hop.get();
  if (credentials == nullptr) {
    result.message += ". The trust edge was not checked: no operator or preflight credentials to read "
                      "the role's trust policy";
    return;
  }

  std::vector<std::string> roles = identity.assumed_before;
  roles.push_back(identity.principal);
  std::vector<std::string> unchecked;
  for (size_t i = 0; i < roles.size(); ++i) {
    TrustCheck check = i == 0 ? check_first_role(identity, roles[0], *credentials)
                              : check_chain_hop(identity, roles[i], roles[i - 1], *credentials);
    if (check.outcome == TrustCheck::Outcome::kNotChecked) {
      unchecked.push_back(chain ? role_name(roles[i]) + ": " + check.note : check.note);
    } else if (check.outcome == TrustCheck::Outcome::kNotAdmitted) {
      result.message = check.note + " (probe: " + std::string(to_string(result.verdict)) + ", " +
                       result.message + ")";
      result.verdict = Verdict::kDenied;
      result.layer = Layer::kTrustPolicy;
      result.fix = "Add this statement to the trust policy of " + role_name(roles[i]) + ": " + check.statement;
      return;
    }
  }
  if (unchecked.empty()) return;
  result.message += chain ? ". The trust edge was not checked for every role of the chain (" : ". The trust edge was not checked: ";
  for (size_t i = 0; i < unchecked.size(); ++i) result.message += (i == 0 ? "" : ". ") + unchecked[i];
  if (chain) result.message += ")";
}

void Run::compare_with_operator(const PermissionEdge& edge, EdgeResult& result) {
  if (!operator_ || result.layer == Layer::kTrustPolicy) return;
  if (result.verdict != Verdict::kDenied && result.verdict != Verdict::kNotFound) return;
  SharedReads::Outcome read = reads_.read("operator", edge, [&](SharedKeys* shared) {
    ProbeCall call{transport_, *operator_, secret_region(edge), retry_, "operator credentials", shared};
    SharedReads::Outcome own;
    own.classification = probe_secret(edge, call, own.error);
    return own;
  });
  const Classification& as_operator = read.classification;
  if (as_operator.verdict == Verdict::kOk || as_operator.verdict == Verdict::kKeyMissing)
    result.operator_note = kOperatorNote;
}

}  // namespace

namespace {

std::map<std::string, size_t> provider_limits(const ProbeOptions& options) {
  config::Config defaults;
  const config::Config& config = options.config != nullptr ? *options.config : defaults;
  return {{"aws", static_cast<size_t>(config.aws.max_concurrency)},
          {"gcp", static_cast<size_t>(config.gcp.max_concurrency)},
          {"azure", static_cast<size_t>(config.azure.max_concurrency)}};
}

}  // namespace

std::vector<EdgeResult> probe_edges(const std::vector<PermissionEdge>& edges, const ProbeOptions& options,
                                    http::HttpTransport& transport) {
  std::vector<EdgeResult> results(edges.size());
  SharedReads reads(edges);
  Run run(options, transport, reads);
  size_t workers = std::min<size_t>(std::max(1, options.concurrency), edges.size());
  EdgeScheduler schedule(edges, workers, provider_limits(options));
  auto worker = [&] {
    while (std::optional<size_t> next = schedule.next()) {
      size_t i = *next;
      if (!edges[i].unresolved_reason.empty()) {
        results[i].edge = edges[i];
        results[i].verdict = Verdict::kUnresolved;
        results[i].message = edges[i].unresolved_reason;
      } else {
        results[i] = run.dispatch(edges[i]);
      }
      schedule.finish(i);
    }
  };
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
  transport_options.request_timeout = to_milliseconds(options.request_timeout_seconds);
  transport_options.connect_timeout = std::min(transport_options.connect_timeout, transport_options.request_timeout);
  auto transport = http::make_curl_transport(transport_options);
  return probe_edges(edges, options, *transport);
}

}  // namespace sp::probe
