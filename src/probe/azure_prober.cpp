#include "probe/azure_prober.h"

#include <algorithm>
#include <cctype>

namespace sp::probe {
namespace {

constexpr const char* kDefaultAudience = "api://AzureADTokenExchange";

void apply(const Classification& outcome, EdgeResult& result) {
  result.verdict = outcome.verdict;
  result.layer = outcome.layer;
  result.message = outcome.message;
  result.fix = outcome.fix;
}

// Client IDs are GUIDs, which Entra compares without regard to case.
bool equal_ignoring_case(const std::string& a, const std::string& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

AzureProber::AzureProber(http::HttpTransport& transport, const config::Config* config,
                         auth::TokenOptions token_options, auth::RetryPolicy retry, SharedReads* reads)
    : transport_(transport), config_(config), retry_(retry), reads_(reads) {
  audience_ = config != nullptr && !config->azure.audience.empty() ? config->azure.audience : kDefaultAudience;
  cloud_ = auth::azure_cloud(config != nullptr ? config->azure.cloud : "");
  token_options.audience = audience_;
  if (cloud_) broker_.emplace(transport, std::move(token_options), *cloud_, retry);
}

std::string AzureProber::tenant_for(const RuntimeIdentity& identity, const auth::KeyVaultSecret& secret) {
  if (!identity.tenant_id.empty()) return identity.tenant_id;
  if (config_ != nullptr && !config_->azure.tenant_id.empty()) return config_->azure.tenant_id;
  // Neither the manifests nor the config name the tenant, so the vault's
  // challenge does, once per vault.
  std::promise<std::string> promise;
  {
    std::unique_lock lock(tenant_mutex_);
    auto found = vault_tenants_.find(secret.vault_url);
    if (found != vault_tenants_.end()) {
      auto pending = found->second;
      lock.unlock();
      return pending.get();
    }
    vault_tenants_.emplace(secret.vault_url, promise.get_future().share());
  }
  std::string tenant = discover_vault_tenant(transport_, secret, retry_);
  promise.set_value(tenant);
  return tenant;
}

EdgeResult AzureProber::probe(const PermissionEdge& edge) {
  EdgeResult result;
  result.edge = edge;
  std::optional<auth::KeyVaultSecret> secret = auth::parse_keyvault_secret_id(edge.secret.id, edge.secret.version_id);
  if (!secret) {
    result.verdict = Verdict::kUnresolved;
    result.message = "the reference " + edge.secret.id + " is not a Key Vault secret URL";
    result.fix = "Name the secret as https://<vault>.vault.azure.net/secrets/<name>[/<version>].";
    return result;
  }
  if (!broker_) {
    result.verdict = Verdict::kUnresolved;
    result.message = "azure.cloud \"" + config_->azure.cloud + "\" in the config file is not a known Azure cloud";
    result.fix = "Set azure.cloud to AzurePublicCloud, AzureUSGovernment or AzureChinaCloud.";
    return result;
  }
  AzureFixContext context;
  context.client_id = edge.identity.principal;
  context.secret = *secret;
  context.audience = audience_;
  context.tenant = tenant_for(edge.identity, *secret);
  if (context.tenant.empty()) {
    result.verdict = Verdict::kUnresolved;
    result.message = "no Entra tenant is known for client " + context.client_id +
                     ", and vault " + secret->vault + " sent no challenge that names one (the vault may not exist)";
    result.fix = "Annotate the ServiceAccount with azure.workload.identity/tenant-id or set azure.tenant_id in "
                 "the config file.";
    return result;
  }

  auth::AzureToken token = broker_->token(context.tenant, context.client_id, auth::AzureResource::kKeyVault);
  context.claims = token.claims;
  if (token.failure) {
    apply(classify_azure_token_failure(*token.failure, context), result);
    result.provider_error = token.failure->error;
  } else {
    auto read = [&](SharedKeys* shared) {
      AzureCall call{transport_, *token.token, retry_, shared};
      SharedReads::Outcome own;
      own.classification = get_keyvault_secret(context, edge.secret.json_key, call, own.error);
      return own;
    };
    SharedReads::Outcome outcome = reads_ != nullptr ? reads_->read("runtime", edge, read) : read(nullptr);
    apply(outcome.classification, result);
    result.provider_error = outcome.error;
  }
  check_trust_edge(edge, context.tenant, result);
  return result;
}

// AKS gives a pod the identity only when one of the identity's federated
// credentials admits the cluster's issuer and
// system:serviceaccount:<namespace>:<name>. The credentials are listed under
// the identity's Resource Manager id, which only the config file
// (azure.identities) gives. The list is read as the identity itself.
void AzureProber::check_trust_edge(const PermissionEdge& edge, const std::string& tenant,
                                   EdgeResult& result) {
  const RuntimeIdentity& identity = edge.identity;
  if (identity.mechanism != IdentityMechanism::kAzureWorkloadIdentity) return;
  if (result.verdict == Verdict::kIdentityUnavailable || result.verdict == Verdict::kInconclusive) return;
  std::string service_account = identity.kubernetes_namespace + "/" + identity.service_account;
  const config::AzureIdentity* known = nullptr;
  if (config_ != nullptr)
    for (const config::AzureIdentity& entry : config_->azure.identities)
      if (equal_ignoring_case(entry.client_id, identity.principal)) known = &entry;
  std::string issuer = identity.oidc_issuer;
  if (issuer.empty() && config_ != nullptr) issuer = config_->kubernetes.oidc_issuer;
  if (known == nullptr || issuer.empty()) {
    result.message += ". The trust edge was not checked: " +
                      std::string(known == nullptr
                                      ? "azure.identities in the config file names no resource id "
                                        "for client " + identity.principal
                                      : "kubernetes.cluster.oidc_issuer is not set") +
                      ", so the federated credential for ServiceAccount " + service_account +
                      " could not be read";
    return;
  }
  auth::AzureToken token = broker_->token(tenant, identity.principal, auth::AzureResource::kManagement);
  if (token.failure || !token.token) {
    result.message += ". The trust edge was not checked: no Resource Manager token for client " +
                      identity.principal;
    return;
  }
  AzureCall call{transport_, *token.token, retry_};
  std::string subject = "system:serviceaccount:" + identity.kubernetes_namespace + ":" +
                        identity.service_account;
  FederatedCredentialCheck check =
      check_federated_credentials(*cloud_, known->resource_id, issuer, subject, call);
  if (check.outcome == FederatedCredentialCheck::Outcome::kNotAdmitted) {
    std::string probe = std::string(to_string(result.verdict));
    result.verdict = Verdict::kDenied;
    result.layer = Layer::kTrustPolicy;
    result.message = check.note + " (probe as the CI: " + probe + ")";
    result.fix = check.fix;
  } else if (check.outcome == FederatedCredentialCheck::Outcome::kNotChecked) {
    result.message += ". The trust edge was not checked: " + check.note;
  }
}

}  // namespace sp::probe
