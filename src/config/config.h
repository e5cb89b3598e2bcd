// The repository's `.github/secret-preflight.yml`: what manifests cannot say.
//
//   version: 1
//   aws:
//     region: us-east-1                  # ECS parameter names, CSI classes without region
//     account: "111122223333"            # account of ECS parameter names
//     audience: sts.amazonaws.com        # audience of the CI token sent to STS
//     session_policy: true               # narrow borrowed sessions to the probe actions
//     preflight_role: arn:aws:iam::111122223333:role/secret-preflight   # optional chain
//     max_concurrency: 64                # edges probed at once as AWS identities
//     roles:                             # per runtime role, how the CI becomes it
//                                        # (a match on the last role of a chain skips the chain)
//       - role_arn: arn:aws:iam::444455556666:role/*     # exact ARN or * wildcard
//         via: arn:aws:iam::111122223333:role/secret-preflight   # or "web-identity"
//   kubernetes:
//     default_namespace: default
//     cluster: {name: shop-prod, oidc_issuer: https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE}
//     pod_identity_associations:
//       - {namespace: shop, service_account: orders-api, role_arn: arn:aws:iam::...:role/x}
//     external_secrets:
//       controller_role_arn: arn:aws:iam::111122223333:role/external-secrets
//       # Google service account of the controller, for gcpsm stores without auth
//       controller_gcp_service_account: external-secrets@shop-prod.iam.gserviceaccount.com
//     secrets_store_csi:
//       rotation: false                  # driver's enableSecretRotation (Helm value)
//   gcp:
//     # Workload Identity pool provider the CI's token is exchanged at, used
//     # for every project without its own entry below.
//     workload_identity_provider: projects/123456789/locations/global/workloadIdentityPools/github/providers/github
//     audience: ""                       # default: //iam.googleapis.com/<workload_identity_provider>
//     projects:                          # project numbers, where manifests give only IDs
//       - {id: shop-prod, number: "123456789", workload_identity_provider: projects/...}
//     default_project: shop-prod         # project of Cloud Run services and GKE clusters without one
//     max_concurrency: 32                # edges probed at once as Google identities
//   azure:
//     tenant_id: 00000000-0000-0000-0000-000000000000   # the webhook's default tenant
//     audience: api://AzureADTokenExchange              # audience of the CI token sent to Entra
//     cloud: AzurePublicCloud                           # login and vault host suffixes
//     identities:                       # Resource Manager ids, for the workload trust check
//       - {client_id: 11111111-..., resource_id: /subscriptions/.../userAssignedIdentities/billing}
//     max_concurrency: 16                # edges probed at once as Azure identities
//   ignores:
//     - {secret: shop/legacy, verdict: denied, reason: "retired in Q1", expires: 2027-01-31}
#pragma once

#include <string>
#include <vector>

#include "core/model.h"

namespace sp::config {

/// How the CI becomes runtime roles that match `role_pattern`.
struct RoleAccess {
  std::string role_pattern;  // exact ARN, or with `*` wildcards
  /// Preflight role ARN to chain through with AssumeRole; empty means
  /// AssumeRoleWithWebIdentity straight into the runtime role.
  std::string via;
  SourceLocation location;
};

struct PodIdentityAssociation {
  std::string kubernetes_namespace;
  std::string service_account;
  std::string role_arn;
  std::string target_role_arn;  // optional second role EKS assumes after role_arn
  std::string session_policy;   // optional: the association's `policy` document (JSON text)
  SourceLocation location;
};

struct IgnoreRule {
  std::string file;     // optional: reference file, exact or with `*` wildcards
  std::string secret;   // optional: secret id, exact or with `*` wildcards
  std::string verdict;  // optional: only this verdict
  std::string reason;   // required
  std::string expires;  // optional: YYYY-MM-DD; after that day the rule no longer applies
  SourceLocation location;
};

struct AwsSettings {
  std::string region;
  std::string account;
  std::string audience = "sts.amazonaws.com";
  bool session_policy = true;
  std::string preflight_role;
  std::vector<RoleAccess> roles;
  /// Bound on AWS edges probed at once; --concurrency bounds all providers
  /// together. Each edge sends one request at a time, so a round trip of L
  /// seconds caps the rate near max_concurrency / L requests per second.
  /// Secrets Manager allows 10,000 GetSecretValue requests per second per
  /// region (AWS Secrets Manager User Guide, "Secrets Manager quotas"), so 64
  /// stays below it for round trips of 6.4 ms or more.
  /// NOTE: STS publishes no per-second quota for AssumeRole*, and the
  /// exchanges here are one per identity.
  int max_concurrency = 64;
};

struct KubernetesSettings {
  std::string default_namespace = "default";
  std::string cluster_name;
  std::string oidc_issuer;
  SourceLocation cluster_location;
  std::vector<PodIdentityAssociation> pod_identity_associations;
  std::string external_secrets_controller_role_arn;
  /// The External Secrets controller's Google service account email. A
  /// `gcpsm` store without `auth` reads with the controller's Application
  /// Default Credentials, which the manifests cannot show.
  std::string external_secrets_controller_gcp_service_account;
  SourceLocation external_secrets_location;
  /// The Secrets Store CSI driver's `enableSecretRotation`. With rotation on,
  /// the AWS provider also calls DescribeSecret on every Secrets Manager object.
  bool secrets_store_csi_rotation = false;
};

struct GcpProject {
  std::string id;
  std::string number;
  /// Overrides GcpSettings::workload_identity_provider for this project.
  std::string workload_identity_provider;
  SourceLocation location;
};

struct GcpSettings {
  std::string workload_identity_provider;
  std::string audience;
  std::string default_project;
  std::vector<GcpProject> projects;
  /// Bound on Google Cloud edges probed at once. Secret Manager allows 90,000
  /// access requests per minute per project (1,500 per second; Google Cloud
  /// "Secret Manager quotas and limits"), so 32 stays below it for round
  /// trips of 21 ms or more.
  int max_concurrency = 32;
};

/// A user-assigned managed identity whose federated credentials the CI may
/// list, to check that they admit the workload's ServiceAccount.
struct AzureIdentity {
  std::string client_id;
  /// /subscriptions/<S>/resourceGroups/<G>/providers/Microsoft.ManagedIdentity/
  /// userAssignedIdentities/<NAME>
  std::string resource_id;
  SourceLocation location;
};

struct AzureSettings {
  /// Default tenant where a ServiceAccount or store names none (the Azure
  /// Workload Identity webhook's AZURE_TENANT_ID).
  std::string tenant_id;
  std::string audience = "api://AzureADTokenExchange";
  std::string cloud = "AzurePublicCloud";
  std::vector<AzureIdentity> identities;
  /// Bound on Azure edges probed at once. Key Vault allows 4,000 secret
  /// transactions per 10 seconds per vault and region (Microsoft Learn, "Azure
  /// Key Vault service limits"), so 16 stays below 400 per second for round
  /// trips of 40 ms or more. Throttled reads are retried with backoff.
  int max_concurrency = 16;
};

struct Config {
  /// Path relative to the repository root; empty when no file was found.
  std::string path;
  AwsSettings aws;
  KubernetesSettings kubernetes;
  GcpSettings gcp;
  AzureSettings azure;
  std::vector<IgnoreRule> ignores;
};

/// Loads the config file at `path` (relative to `root`). A missing file gives
/// the defaults and no diagnostic; unknown keys and invalid values add
/// diagnostics with file, line and column and keep the other settings.
Config load_config(const std::string& root, const std::string& path,
                   std::vector<Diagnostic>& diagnostics);

/// Parses `text`, the content of the config file at `path`, as load_config()
/// does after reading the file.
Config parse_config_text(const std::string& path, const std::string& text,
                         std::vector<Diagnostic>& diagnostics);

/// Returns the first `aws.roles` entry that matches `role_arn`, or nullptr.
const RoleAccess* find_role_access(const Config& config, const std::string& role_arn);

/// Returns the preflight role to chain through for `role_arn`, or empty for
/// straight web identity: the first matching `aws.roles` entry, else
/// `aws.preflight_role`.
std::string preflight_role_for(const Config& config, const std::string& role_arn);

/// Returns the project with this ID or number, or nullptr.
const GcpProject* find_gcp_project(const Config& config, const std::string& id_or_number);

}  // namespace sp::config
