// The data that flows through the pipeline: secret references and identity
// chains from the manifests, permission edges in the plan, and one result per
// edge after the probe. Stages exchange only these types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sp {

/// A position in a repository file: path relative to the repository root with
/// `/` separators, 1-based line and column (0 when unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

enum class Verdict {
  kOk,
  kDenied,
  kNotFound,
  kDisabled,
  kKeyMissing,
  kIdentityUnavailable,
  kInconclusive,
  kUnresolved,
};

/// Which policy denied a read. kNone on verdicts that carry no layer.
enum class Layer {
  kNone,
  kIdentityPolicy,
  kResourcePolicy,
  kKmsKeyPolicy,
  kPermissionsBoundary,
  kScp,
  kSessionPolicy,
  kVpcEndpointPolicy,
  kIamBinding,
  kRbacRoleAssignment,
  kAccessPolicy,
  kNetwork,
  kTrustPolicy,
  kUnknown,
};

/// Report spelling of a verdict ("ok", "not-found", ...).
std::string_view to_string(Verdict verdict);
/// Report spelling of a layer ("identity-policy", ...); empty for kNone.
std::string_view to_string(Layer layer);
std::optional<Verdict> parse_verdict(std::string_view text);
std::optional<Layer> parse_layer(std::string_view text);
/// Every verdict, in report order.
const std::vector<Verdict>& all_verdicts();

/// One step of an identity chain, e.g. "ServiceAccount shop/orders-api".
struct ChainStep {
  std::string step;
  SourceLocation location;
};

/// One place in a manifest that names a secret.
struct SecretReference {
  SourceLocation location;
  /// Reference kind: ecs-container-secret, ecs-log-secret-option,
  /// ecs-repository-credentials, csi-object, external-secret-data,
  /// external-secret-data-from, ...
  std::string kind;
  /// Field path inside the manifest, with list elements named where they have
  /// a name: containerDefinitions[api].secrets[DB_PASSWORD].valueFrom.
  std::string path;
};

/// The filters of an External Secrets `dataFrom[].find`, which lists secrets
/// and reads every match instead of naming one.
struct SecretFind {
  /// `find.path`, sent as a Secrets Manager `name` filter (a prefix match).
  std::string path;
  /// `find.name.regexp`; the controller applies it to each listed name.
  std::string name_regexp;
  /// `find.tags`; each pair is sent as a `tag-key` and a `tag-value` filter.
  std::vector<std::pair<std::string, std::string>> tags;
};

/// The secret as the provider names it, with the selectors the platform sends.
struct SecretTarget {
  std::string provider = "aws";
  /// "secretsmanager" or "ssm".
  std::string service;
  /// Name or ARN exactly as the platform sends it (SecretId, parameter Name).
  std::string id;
  std::string region;
  std::string account;
  /// Top-level JSON key (ECS json-key, CSI jmesPath, ESO property); empty for
  /// the whole value.
  std::string json_key;
  /// Google Cloud: the project that owns the secret (ID as written, or number).
  std::string project;
  std::string version_stage;
  std::string version_id;
  /// SSM selector appended as name:selector (a version number or label).
  std::string parameter_selector;
  /// Set on list-and-read edges, whose `id` is the path or "*".
  std::optional<SecretFind> find;
};

/// How the platform obtains the runtime identity.
enum class IdentityMechanism {
  kNone,
  kEcsExecutionRole,    // ECS agent assumes executionRoleArn as ecs-tasks.amazonaws.com
  kIrsa,                // AssumeRoleWithWebIdentity with the cluster's ServiceAccount token
  kPodIdentity,         // EKS Pod Identity agent, service principal pods.eks.amazonaws.com
  kControllerIdentity,  // an operator's own identity from the config file
  kCloudRunServiceAccount,  // Cloud Run revision's serviceAccountName (or the default compute account)
  kGkeServiceAccount,       // GKE Workload Identity: KSA annotated iam.gke.io/gcp-service-account
  kGkeDirectPrincipal,      // GKE Workload Identity without a Google service account: the KSA itself
  kAzureWorkloadIdentity,   // AKS: KSA annotated azure.workload.identity/client-id, federated token
};

/// The principal that fetches the secret at runtime and how it was derived.
struct RuntimeIdentity {
  std::string provider = "aws";
  /// Role ARN of the runtime identity (the last role of any chain).
  std::string principal;
  IdentityMechanism mechanism = IdentityMechanism::kNone;
  /// Roles the platform assumes first, in order, before `principal` (External
  /// Secrets additionalRoles and the base role before `role`).
  std::vector<std::string> assumed_before;
  /// For IRSA: namespace and ServiceAccount the cluster token names.
  std::string kubernetes_namespace;
  std::string service_account;
  /// For IRSA: the cluster OIDC issuer from the config file, if known.
  std::string oidc_issuer;
  std::string audience = "sts.amazonaws.com";
  /// Azure: the Entra tenant of the client ID in `principal`.
  std::string tenant_id;
  /// Session policy the platform attaches (an EKS Pod Identity association's
  /// `policy`); empty when none. The probe sends it instead of its own.
  std::string session_policy;
  std::vector<ChainStep> chain;
};

/// One (runtime identity, secret, operation) triple: the unit that is probed
/// and reported.
struct PermissionEdge {
  SecretReference reference;
  SecretTarget secret;
  RuntimeIdentity identity;
  /// Provider action, e.g. "secretsmanager:GetSecretValue", "ssm:GetParameters".
  std::string operation;
  /// Non-empty when the manifests do not determine the identity or the secret;
  /// says what to add. Such an edge is never probed.
  std::string unresolved_reason;
  /// Facts assumed while resolving (a defaulted namespace, a config region).
  std::vector<std::string> assumptions;
};

/// What a provider returned for a failed call. Never holds a secret value:
/// only the code, HTTP status, request id and the provider's error message.
struct ProviderError {
  std::string code;
  std::string message;
  std::string request_id;
  int http_status = 0;
};

/// The outcome of one edge.
struct EdgeResult {
  PermissionEdge edge;
  Verdict verdict = Verdict::kInconclusive;
  Layer layer = Layer::kNone;
  std::optional<ProviderError> provider_error;
  /// One sentence a reviewer reads next to the reference.
  std::string message;
  /// What to change so that the edge works; empty on ok.
  std::string fix;
  /// Set when an ignore in the config file matched, with its reason.
  std::optional<std::string> ignored_reason;
  /// Operator comparison, e.g. "operator can read, runtime identity cannot".
  std::string operator_note;
  /// Set when the verdict comes from a policy simulation (Google's Policy
  /// Troubleshooter or testIamPermissions) rather than a read as the runtime
  /// identity. A simulated result is never plain ok.
  bool simulated = false;
};

/// A problem with the input (manifest, config, option). Errors stop the run
/// before any credential is used; exit status 2.
struct Diagnostic {
  enum class Severity { kError, kWarning, kNote };
  Severity severity = Severity::kError;
  SourceLocation location;
  std::string message;
  /// The source line at `location`, for the caret display; empty if unknown.
  std::string source_line;
};

}  // namespace sp
