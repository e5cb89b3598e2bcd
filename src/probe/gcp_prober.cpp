#include "probe/gcp_prober.h"

namespace sp::probe {
namespace {

void apply(const Classification& outcome, EdgeResult& result) {
  result.verdict = outcome.verdict;
  result.layer = outcome.layer;
  result.message = outcome.message;
  result.fix = outcome.fix;
}

}  // namespace

auth::WorkloadProvider workload_provider_for(const config::Config* config, const std::string& project) {
  auth::WorkloadProvider provider;
  if (config == nullptr) return provider;
  const config::GcpProject* entry = config::find_gcp_project(*config, project);
  provider.resource_name = entry != nullptr && !entry->workload_identity_provider.empty()
                               ? entry->workload_identity_provider
                               : config->gcp.workload_identity_provider;
  provider.token_audience =
      config->gcp.audience.empty() ? auth::sts_audience(provider) : config->gcp.audience;
  return provider;
}

EdgeResult GoogleProber::probe(const PermissionEdge& edge) {
  EdgeResult result;
  result.edge = edge;
  const std::string default_project = config_ != nullptr ? config_->gcp.default_project : "";
  std::optional<GoogleSecretVersion> version = google_secret_version(edge.secret, default_project);
  if (!version) {
    result.verdict = Verdict::kUnresolved;
    result.message = "the reference to secret " + edge.secret.id + " names no Google Cloud project";
    result.fix = "Name the project in the reference (projects/<PROJECT>/secrets/<SECRET>) or set "
                 "gcp.default_project in the config file.";
    return result;
  }
  GoogleFixContext context;
  context.principal = edge.identity.principal;
  context.secret = *version;
  context.provider = workload_provider_for(config_, version->project);
  if (context.provider.resource_name.empty()) {
    result.verdict = Verdict::kIdentityUnavailable;
    result.layer = Layer::kUnknown;
    result.message = "the CI could not become " + context.principal +
                     ": no workload identity pool provider is configured for project " + version->project;
    result.fix = "Set gcp.workload_identity_provider (or a gcp.projects entry for " + version->project +
                 ") in the config file to projects/<NUM>/locations/global/workloadIdentityPools/<POOL>/"
                 "providers/<PROV>.";
    return result;
  }

  // The CI cannot become a Kubernetes ServiceAccount's principal://, so
  // that edge is simulated with the federated token.
  if (edge.identity.mechanism == IdentityMechanism::kGkeDirectPrincipal) {
    auth::GoogleToken federated = broker_.federated_token(context.provider);
    context.repository = federated.repository;
    if (federated.failure) {
      apply(classify_google_token_failure(*federated.failure, context), result);
      result.provider_error = federated.failure->error;
      return result;
    }
    SharedReads::Outcome read = shared_read(edge, [&](SharedKeys*) {
      GoogleCall call{transport_, *federated.token, retry_};
      SharedReads::Outcome own;
      own.classification = simulate_secret_access(context, call, own.error);
      return own;
    });
    apply(read.classification, result);
    result.provider_error = read.error;
    result.simulated = true;
    return result;
  }

  auth::GoogleToken token = broker_.service_account_token(context.provider, context.principal);
  context.repository = token.repository;
  if (token.failure) {
    apply(classify_google_token_failure(*token.failure, context), result);
    result.provider_error = token.failure->error;
  } else {
    SharedReads::Outcome read = shared_read(edge, [&](SharedKeys* shared) {
      GoogleCall call{transport_, *token.token, retry_, shared};
      SharedReads::Outcome own;
      own.classification = access_secret_version(context, edge.secret.json_key, call, own.error);
      return own;
    });
    apply(read.classification, result);
    result.provider_error = read.error;
  }
  check_trust_edge(edge, context, token, result);
  return result;
}

SharedReads::Outcome GoogleProber::shared_read(const PermissionEdge& edge, const SharedReads::Read& read) {
  if (reads_ != nullptr) return reads_->read("runtime", edge, read);
  return read(nullptr);
}

GkeTrustCheck GoogleProber::cached_trust_check(const std::string& key,
                                               const std::function<GkeTrustCheck()>& check) {
  std::promise<GkeTrustCheck> promise;
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
  GkeTrustCheck result = check();
  promise.set_value(result);
  return result;
}

// GKE gives a pod the Google service account only when the Kubernetes
// ServiceAccount's pool member holds roles/iam.workloadIdentityUser on it.
// The policy is read with the federated token, else the service account's
// own token.
void GoogleProber::check_trust_edge(const PermissionEdge& edge, const GoogleFixContext& context,
                                    const auth::GoogleToken& service_account_token, EdgeResult& result) {
  const RuntimeIdentity& identity = edge.identity;
  if (identity.mechanism != IdentityMechanism::kGkeServiceAccount || identity.kubernetes_namespace.empty() ||
      identity.service_account.empty())
    return;
  // NOTE: the workload pool is taken to be the Google service account's
  // project (<PROJECT>.svc.id.goog), falling back to the secret's project;
  // the config file has no key yet for a cluster in another project.
  std::string pool_project = service_account_project(context.principal);
  if (pool_project.empty()) pool_project = context.secret.project;
  const std::string member = gke_member(pool_project, identity.kubernetes_namespace, identity.service_account);

  GkeTrustCheck check = cached_trust_check(context.principal + "\n" + member, [&] {
    auth::GoogleToken federated = broker_.federated_token(context.provider);
    GkeTrustCheck first;
    first.note = "no federated token";
    if (federated.token) {
      first = check_gke_trust(context.principal, member, GoogleCall{transport_, *federated.token, retry_});
      if (first.outcome != GkeTrustCheck::Outcome::kNotChecked) return first;
    }
    if (!service_account_token.token) return first;
    return check_gke_trust(context.principal, member, GoogleCall{transport_, *service_account_token.token, retry_});
  });

  if (check.outcome == GkeTrustCheck::Outcome::kNotChecked) {
    result.message += ". The trust edge was not checked: " + check.note;
  } else if (check.outcome == GkeTrustCheck::Outcome::kNotAdmitted) {
    result.message = check.note + " (probe: " + std::string(to_string(result.verdict)) + ", " + result.message + ")";
    result.verdict = Verdict::kDenied;
    result.layer = Layer::kTrustPolicy;
    result.fix = "Add the Workload Identity binding: " + check.fix;
  }
}

}  // namespace sp::probe
