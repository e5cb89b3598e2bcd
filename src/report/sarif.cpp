#include "report/sarif.h"

#include <openssl/evp.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>

#include "util/redaction.h"

namespace sp::report {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

constexpr std::string_view kSchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr std::string_view kSourceRoot = "%SRCROOT%";

// ---------------------------------------------------------------------------
// Rule table. Rules are generated from these two tables, so a verdict or
// layer added to core/model.h needs one row here and gets its rules for free.

struct VerdictText {
  Verdict verdict;
  std::string_view name;  // PascalCase, for rule names
  std::string_view short_description;
  std::string_view full_description;
  std::string_view fix;
  std::string_view precision;
};

// Every verdict except ok, which never produces a result.
constexpr std::array<VerdictText, 7> kVerdictTexts = {{
    {Verdict::kDenied, "RuntimeIdentityDenied", "A policy denies the runtime identity reading the secret",
     "The platform's runtime identity was assumed, but a policy denied the read that the platform "
     "performs at start-up, so the workload will fail to start with an access-denied error.",
     "Grant the operation on the secret to the runtime identity in the policy that denied it.", "very-high"},
    {Verdict::kNotFound, "SecretNotFound", "Secret not found where the runtime identity looks",
     "The secret, version or parameter does not exist in the region and account that the runtime "
     "identity reads from, so the workload will fail to start.",
     "Fix the name, ARN, region or account in the reference, or create the secret.", "very-high"},
    {Verdict::kDisabled, "SecretDisabled", "Secret scheduled for deletion or version disabled",
     "The secret is scheduled for deletion, or the version that the reference selects is disabled "
     "or destroyed, so the platform cannot read it.",
     "Restore the secret or version, or point the reference at a current version.", "very-high"},
    {Verdict::kKeyMissing, "SecretKeyMissing", "JSON key missing from the secret",
     "The runtime identity read the secret, but the JSON key or property that the reference names "
     "is absent from its value.",
     "Fix the key name in the reference, or add the key to the secret.", "very-high"},
    {Verdict::kIdentityUnavailable, "RuntimeIdentityUnavailable", "CI cannot become the runtime identity",
     "The check could not become the runtime identity, so it did not read the secret. This result "
     "says nothing about the secret itself.",
     "Give the job `permissions: id-token: write` and run it from the repository itself (fork pull "
     "requests get no OIDC token), or pass --token-file or --token-env.",
     "high"},
    {Verdict::kInconclusive, "ProbeInconclusive", "Probe gave no clean answer",
     "Throttling, timeouts, server errors or network rules kept the probe from a clean answer after "
     "retries. The edge is not counted as ok.",
     "Rerun the check. If the result repeats, check the network path from the runner to the provider.",
     "low"},
    {Verdict::kUnresolved, "EdgeUnresolved", "Manifests do not determine the identity or the secret",
     "The manifests do not determine the runtime identity or the secret (for example a missing "
     "ServiceAccount or a templated value), so the edge was not probed.",
     "Add the mapping to .github/secret-preflight.yml, or make the manifest value literal.", "medium"},
}};

struct LayerText {
  Layer layer;
  std::string_view name;   // PascalCase, for rule names
  std::string_view title;  // lower case except for acronyms, for sentences
  std::string_view description;
  std::string_view denied_fix;
  /// Fix for identity-unavailable. When empty, kGenericIdentityFix is used.
  std::string_view identity_fix;
};

// Every layer except kNone. identity-unavailable can carry any layer that
// denies an sts:AssumeRole hop, so both verdicts get a rule for each row.
constexpr std::array<LayerText, 13> kLayerTexts = {{
    {Layer::kIdentityPolicy, "IdentityPolicy", "identity policy",
     "No policy attached to the identity allows the operation, or one denies it explicitly.",
     "Allow the operation on the secret in a policy attached to the runtime identity.",
     "Allow sts:AssumeRole on the runtime role in a policy attached to the preflight role."},
    {Layer::kResourcePolicy, "ResourcePolicy", "resource policy",
     "The secret's resource policy denies the identity, or does not allow it on a cross-account read.",
     "Allow the runtime identity in the secret's resource policy, or remove the statement that "
     "denies it.",
     ""},
    {Layer::kKmsKeyPolicy, "KmsKeyPolicy", "KMS key policy",
     "The KMS key that encrypts the secret does not allow the identity kms:Decrypt.",
     "Allow kms:Decrypt for the runtime identity in the key policy or a grant, and in its identity "
     "policy where the key policy delegates to IAM.",
     ""},
    {Layer::kPermissionsBoundary, "PermissionsBoundary", "permissions boundary",
     "The permissions boundary on the identity does not include the operation.",
     "Add the operation on the secret to the permissions boundary of the runtime identity.", ""},
    {Layer::kScp, "ServiceControlPolicy", "service control policy",
     "An AWS Organizations service control policy denies the operation in the account.",
     "Change the service control policy, or keep the secret and workload in an account where it "
     "allows the read.",
     ""},
    {Layer::kSessionPolicy, "SessionPolicy", "session policy",
     "The session policy passed when the identity was assumed does not allow the operation.",
     "Allow the operation in the session policy; for EKS Pod Identity this is the association's "
     "policy.",
     ""},
    {Layer::kVpcEndpointPolicy, "VpcEndpointPolicy", "VPC endpoint policy",
     "The policy of the VPC endpoint that the request went through denies the operation.",
     "Allow the runtime identity and the secret in the VPC endpoint policy.", ""},
    {Layer::kIamBinding, "IamBinding", "IAM binding",
     "No Google Cloud IAM binding gives the service account the permission on the secret.",
     "Grant roles/secretmanager.secretAccessor on the secret or its project to the runtime service "
     "account.",
     "Grant roles/iam.serviceAccountTokenCreator on the runtime service account to the workload "
     "identity pool principal of this repository."},
    {Layer::kRbacRoleAssignment, "RbacRoleAssignment", "RBAC role assignment",
     "No Azure role assignment gives the identity the data action on the key vault or secret.",
     "Assign the Key Vault Secrets User role on the vault or secret to the runtime identity.", ""},
    {Layer::kAccessPolicy, "AccessPolicy", "access policy",
     "The key vault's access policy does not give the identity Get on secrets.",
     "Add Get on secrets for the runtime identity to the key vault's access policy.", ""},
    {Layer::kNetwork, "NetworkRule", "network rule",
     "A firewall or network rule of the secret store rejected the request.",
     "Allow the network that the workload runs in through the secret store's network rules.", ""},
    {Layer::kTrustPolicy, "TrustPolicy", "trust policy",
     "The role's trust policy does not trust the principal that assumes it.",
     "Allow the platform's principal to assume the runtime role in the role's trust policy.",
     "Add a statement to the runtime role's trust policy that trusts the CI's OIDC provider for this "
     "repository, conditioned on a dedicated GitHub environment."},
    {Layer::kUnknown, "UnknownPolicy", "unknown policy",
     "The provider denied the request without saying which policy denied it.",
     "Check each policy on the path (identity, resource, key, boundary, organization) for the "
     "operation on the secret.",
     ""},
}};

constexpr std::string_view kGenericIdentityFix =
    "Allow the CI's session to become the runtime identity in the policy named by this rule.";

struct Rule {
  std::string id;
  std::string name;
  std::string short_description;
  std::string full_description;
  std::string fix;
  std::string precision;
  std::vector<std::string> tags;
  /// The verdict whose gate treatment sets defaultConfiguration.level, or
  /// nullopt for input errors, which are always errors.
  std::optional<Verdict> verdict;
};

const VerdictText& verdict_text(Verdict verdict) {
  for (const VerdictText& text : kVerdictTexts)
    if (text.verdict == verdict) return text;
  throw std::logic_error("no SARIF rule text for verdict " + std::string(to_string(verdict)));
}

bool has_layer_rules(Verdict verdict) {
  return verdict == Verdict::kDenied || verdict == Verdict::kIdentityUnavailable;
}

Rule make_verdict_rule(const VerdictText& text) {
  std::string verdict_name(to_string(text.verdict));
  return {"SP-" + verdict_name,
          std::string(text.name),
          std::string(text.short_description),
          std::string(text.full_description),
          std::string(text.fix),
          std::string(text.precision),
          {"secrets", "deployment", verdict_name},
          text.verdict};
}

Rule make_layer_rule(const VerdictText& text, const LayerText& layer) {
  Rule rule = make_verdict_rule(text);
  std::string layer_name(to_string(layer.layer));
  rule.id += "-" + layer_name;
  rule.tags.push_back(layer_name);
  std::string title(layer.title);
  if (text.verdict == Verdict::kDenied) {
    rule.name = "DeniedBy" + std::string(layer.name);
    rule.short_description = "The " + title + " denies the runtime identity reading the secret";
    rule.fix = std::string(layer.denied_fix);
  } else {
    rule.name = "IdentityBlockedBy" + std::string(layer.name);
    rule.short_description = "The " + title + " keeps the CI from becoming the runtime identity";
    rule.fix = std::string(layer.identity_fix.empty() ? kGenericIdentityFix : layer.identity_fix);
  }
  rule.full_description += " " + std::string(layer.description);
  // The provider named the layer, except on unknown, where it did not.
  if (layer.layer == Layer::kUnknown) rule.precision = "high";
  return rule;
}

Rule make_input_error_rule() {
  return {std::string(kInputErrorRuleId),
          "InputError",
          "Manifest or config file could not be used",
          "A manifest, the config file or an option is invalid, so the run stopped before any "
          "credential was used and no edge was probed.",
          "Correct the file at the reported line, then rerun the check.",
          "very-high",
          {"secrets", "deployment", "input-error"},
          std::nullopt};
}

std::vector<Rule> build_rules() {
  std::vector<Rule> rules;
  for (Verdict verdict : all_verdicts()) {
    if (verdict == Verdict::kOk) continue;
    const VerdictText& text = verdict_text(verdict);
    // A layerless denied result maps to SP-denied-unknown, so denied has no
    // rule of its own. identity-unavailable keeps one for the case where no
    // policy was reached (no OIDC token).
    if (verdict != Verdict::kDenied) rules.push_back(make_verdict_rule(text));
    if (!has_layer_rules(verdict)) continue;
    for (const LayerText& layer : kLayerTexts) rules.push_back(make_layer_rule(text, layer));
  }
  rules.push_back(make_input_error_rule());
  return rules;
}

const std::vector<Rule>& rules() {
  static const std::vector<Rule> table = build_rules();
  return table;
}

const std::map<std::string, int>& rule_indexes() {
  static const std::map<std::string, int> indexes = [] {
    std::map<std::string, int> map;
    for (size_t i = 0; i < rules().size(); ++i) map[rules()[i].id] = static_cast<int>(i);
    return map;
  }();
  return indexes;
}

// ---------------------------------------------------------------------------
// Levels and ranking.

std::string_view level_for(const Gate& gate, Verdict verdict) {
  if (gate.fail_on.count(verdict)) return "error";
  if (gate.warn_on.count(verdict)) return "warning";
  return "note";
}

// Lower ranks are kept first when the result limit applies.
int rank_for(std::string_view level, bool suppressed) {
  if (suppressed) return 3;
  if (level == "error") return 0;
  if (level == "warning") return 1;
  return 2;
}

// ---------------------------------------------------------------------------
// Writing helpers.

void write_string(Writer& writer, std::string_view text) {
  std::string redacted = redaction::redact(text);
  writer.String(redacted.data(), static_cast<rapidjson::SizeType>(redacted.size()));
}

void write_field(Writer& writer, const char* key, std::string_view value) {
  writer.Key(key);
  write_string(writer, value);
}

void write_text_object(Writer& writer, const char* key, std::string_view text) {
  writer.Key(key);
  writer.StartObject();
  write_field(writer, "text", text);
  writer.EndObject();
}

// Writes a physicalLocation relative to the repository root. SARIF regions
// are 1-based, so an unknown line (0) leaves the region out.
void write_physical_location(Writer& writer, const SourceLocation& location) {
  writer.Key("physicalLocation");
  writer.StartObject();
  writer.Key("artifactLocation");
  writer.StartObject();
  write_field(writer, "uri", location.file);
  write_field(writer, "uriBaseId", kSourceRoot);
  writer.EndObject();
  if (location.line > 0) {
    writer.Key("region");
    writer.StartObject();
    writer.Key("startLine");
    writer.Int(location.line);
    if (location.column > 0) {
      writer.Key("startColumn");
      writer.Int(location.column);
    }
    writer.EndObject();
  }
  writer.EndObject();
}

void write_rule(Writer& writer, const Rule& rule, const Gate& gate) {
  writer.StartObject();
  write_field(writer, "id", rule.id);
  write_field(writer, "name", rule.name);
  write_text_object(writer, "shortDescription", rule.short_description);
  write_text_object(writer, "fullDescription", rule.full_description);
  writer.Key("help");
  writer.StartObject();
  write_field(writer, "text", rule.full_description + "\n\nTypical fix: " + rule.fix);
  write_field(writer, "markdown",
              "**" + rule.short_description + "**\n\n" + rule.full_description +
                  "\n\n**Typical fix:** " + rule.fix +
                  "\n\nEach result names the runtime identity, the identity chain from the "
                  "manifests and the change for that edge.");
  writer.EndObject();
  writer.Key("defaultConfiguration");
  writer.StartObject();
  write_field(writer, "level", rule.verdict ? level_for(gate, *rule.verdict) : "error");
  writer.EndObject();
  // No security-severity: a failing edge breaks a rollout but exposes
  // nothing, and a score would file it among vulnerabilities.
  writer.Key("properties");
  writer.StartObject();
  writer.Key("tags");
  writer.StartArray();
  for (const std::string& tag : rule.tags) write_string(writer, tag);
  writer.EndArray();
  write_field(writer, "precision", rule.precision);
  writer.EndObject();
  writer.EndObject();
}

// ---------------------------------------------------------------------------
// Results.

std::string sha256_hex_prefix(std::string_view data, size_t hex_digits) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length && hex.size() < hex_digits; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

std::string fingerprint_of(const std::vector<std::string_view>& fields) {
  std::string joined;
  for (std::string_view field : fields) {
    joined += redaction::redact(field);
    joined += '\0';
  }
  return sha256_hex_prefix(joined, 32);
}

std::string format_chain(const RuntimeIdentity& identity) {
  std::string chain;
  for (const ChainStep& step : identity.chain) {
    if (!chain.empty()) chain += " → ";
    chain += step.step;
  }
  return chain;
}

// The message a reviewer reads in the alert: what failed, the runtime
// identity, the identity chain and the fix, one fact per line.
std::string edge_message(const EdgeResult& result) {
  const PermissionEdge& edge = result.edge;
  std::string text(to_string(result.verdict));
  if (result.layer != Layer::kNone) text += " (" + std::string(to_string(result.layer)) + ")";
  text += ": " + (result.message.empty() ? std::string(verdict_text(result.verdict).short_description)
                                         : result.message);
  text += "\nSecret: " + edge.secret.provider + " " + edge.secret.service + " " + edge.secret.id;
  if (!edge.secret.json_key.empty()) text += ", key " + edge.secret.json_key;
  if (!edge.operation.empty()) text += ", read with " + edge.operation;
  text += "\nRuntime identity: " +
          (edge.identity.principal.empty() ? std::string("not determined") : edge.identity.principal);
  std::string chain = format_chain(edge.identity);
  if (!chain.empty()) text += "\nIdentity chain: " + chain;
  if (result.provider_error && !result.provider_error->code.empty())
    text += "\nProvider error: " + result.provider_error->code;
  if (!edge.unresolved_reason.empty()) text += "\nUnresolved: " + edge.unresolved_reason;
  if (!result.operator_note.empty()) text += "\nOperator comparison: " + result.operator_note;
  if (result.simulated)
    text += "\nSimulated: the verdict comes from a policy simulation, not a read as the identity.";
  text += "\nFix: " + (result.fix.empty() ? std::string(verdict_text(result.verdict).fix) : result.fix);
  return text;
}

// One entry of results[], before writing, so results can be ranked and cut.
struct PendingResult {
  std::string rule_id;
  std::string level;
  std::string message;
  SourceLocation location;
  std::vector<ChainStep> related;
  std::string fingerprint;
  std::optional<std::string> suppression;
};

PendingResult pending_edge(const EdgeResult& result, const Gate& gate) {
  PendingResult pending;
  pending.rule_id = sarif_rule_id(result.verdict, result.layer);
  pending.level = level_for(gate, result.verdict);
  pending.message = edge_message(result);
  pending.location = result.edge.reference.location;
  for (const ChainStep& step : result.edge.identity.chain)
    if (!step.location.file.empty()) pending.related.push_back(step);
  pending.fingerprint = sarif_edge_fingerprint(result);
  pending.suppression = result.ignored_reason;
  return pending;
}

PendingResult pending_input_error(const Diagnostic& diagnostic) {
  PendingResult pending;
  pending.rule_id = std::string(kInputErrorRuleId);
  pending.level = "error";
  pending.message = diagnostic.message;
  pending.location = diagnostic.location;
  pending.fingerprint = fingerprint_of({kInputErrorRuleId, diagnostic.location.file, diagnostic.message});
  return pending;
}

void write_related_locations(Writer& writer, const std::vector<ChainStep>& steps) {
  writer.Key("relatedLocations");
  writer.StartArray();
  int id = 1;
  for (const ChainStep& step : steps) {
    writer.StartObject();
    writer.Key("id");
    writer.Int(id++);
    write_physical_location(writer, step.location);
    write_text_object(writer, "message", step.step);
    writer.EndObject();
  }
  writer.EndArray();
}

// Kind "external": the ignore rule lives in the config file, not next to the
// finding in the manifest.
void write_suppression(Writer& writer, const std::string& justification) {
  writer.Key("suppressions");
  writer.StartArray();
  writer.StartObject();
  write_field(writer, "kind", "external");
  write_field(writer, "justification", justification);
  writer.EndObject();
  writer.EndArray();
}

void write_result(Writer& writer, const PendingResult& result) {
  writer.StartObject();
  write_field(writer, "ruleId", result.rule_id);
  writer.Key("ruleIndex");
  writer.Int(rule_indexes().at(result.rule_id));
  write_field(writer, "level", result.level);
  write_text_object(writer, "message", result.message);

  writer.Key("locations");
  writer.StartArray();
  writer.StartObject();
  write_physical_location(writer, result.location);
  writer.EndObject();
  writer.EndArray();
  if (!result.related.empty()) write_related_locations(writer, result.related);

  // primaryLocationLineHash is left out on purpose because upload-sarif
  // computes it when it is missing. The REST upload does not compute it.
  // NOTE: GitHub documents that it matches alerts by partialFingerprints, but
  // whether it uses a key other than primaryLocationLineHash is unconfirmed.
  writer.Key("partialFingerprints");
  writer.StartObject();
  write_field(writer, kEdgeFingerprintKey.data(), result.fingerprint);
  writer.EndObject();
  if (result.suppression) write_suppression(writer, *result.suppression);
  writer.EndObject();
}

// ---------------------------------------------------------------------------
// Notifications: diagnostics that are no finding at a line, run notices and
// the result limit.

struct Notification {
  std::string level;
  std::string message;
  SourceLocation location;
};

std::string_view level_for(Diagnostic::Severity severity) {
  switch (severity) {
    case Diagnostic::Severity::kError: return "error";
    case Diagnostic::Severity::kWarning: return "warning";
    case Diagnostic::Severity::kNote: return "note";
  }
  return "error";
}

void write_notification(Writer& writer, const Notification& notification) {
  writer.StartObject();
  write_field(writer, "level", notification.level);
  write_text_object(writer, "message", notification.message);
  if (!notification.location.file.empty()) {
    writer.Key("locations");
    writer.StartArray();
    writer.StartObject();
    write_physical_location(writer, notification.location);
    writer.EndObject();
    writer.EndArray();
  }
  writer.EndObject();
}

void write_invocation(Writer& writer, const RunReport& run,
                      const std::vector<Notification>& notifications) {
  writer.Key("invocations");
  writer.StartArray();
  writer.StartObject();
  writer.Key("executionSuccessful");
  writer.Bool(!has_errors(run.diagnostics));
  if (!run.started_at.empty()) write_field(writer, "startTimeUtc", run.started_at);
  if (!run.finished_at.empty()) write_field(writer, "endTimeUtc", run.finished_at);
  writer.Key("toolExecutionNotifications");
  writer.StartArray();
  for (const Notification& notification : notifications) write_notification(writer, notification);
  writer.EndArray();
  writer.EndObject();
  writer.EndArray();
}

void write_driver(Writer& writer, const Gate& gate) {
  writer.Key("tool");
  writer.StartObject();
  writer.Key("driver");
  writer.StartObject();
  write_field(writer, "name", "secret-preflight");
  write_field(writer, "version", SECRET_PREFLIGHT_VERSION);
  write_field(writer, "semanticVersion", SECRET_PREFLIGHT_VERSION);
  writer.Key("rules");
  writer.StartArray();
  for (const Rule& rule : rules()) write_rule(writer, rule, gate);
  writer.EndArray();
  writer.EndObject();
  writer.EndObject();
}

// Collects the results in report order, then keeps the `max_results` with
// the lowest rank (fail-on first) and returns how many were left out.
size_t collect_results(const RunReport& run, const Gate& gate, size_t max_results,
                       std::vector<PendingResult>& selected) {
  std::vector<PendingResult> all;
  // Error diagnostics with a file become results, so they show at their line
  // on the pull request; the rest become notifications.
  for (const Diagnostic& diagnostic : run.diagnostics)
    if (diagnostic.severity == Diagnostic::Severity::kError && !diagnostic.location.file.empty())
      all.push_back(pending_input_error(diagnostic));

  std::vector<EdgeResult> results = run.results;
  sort_results(results);
  for (const EdgeResult& result : results) {
    if (result.verdict == Verdict::kOk || is_unprobed(run, result)) continue;
    all.push_back(pending_edge(result, gate));
  }
  if (all.size() <= max_results) {
    selected = std::move(all);
    return 0;
  }

  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto rank = [&](size_t i) { return rank_for(all[i].level, all[i].suppression.has_value()); };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rank(a) < rank(b); });
  order.resize(max_results);
  std::sort(order.begin(), order.end());  // back to report order
  for (size_t i : order) selected.push_back(std::move(all[i]));
  return all.size() - max_results;
}

std::vector<Notification> collect_notifications(const RunReport& run, size_t left_out,
                                                size_t max_results) {
  std::vector<Notification> notifications;
  for (const Diagnostic& diagnostic : run.diagnostics) {
    if (diagnostic.severity == Diagnostic::Severity::kError && !diagnostic.location.file.empty()) continue;
    notifications.push_back({std::string(level_for(diagnostic.severity)), diagnostic.message,
                             diagnostic.location});
  }
  for (const std::string& notice : run.notices) notifications.push_back({"note", notice, {}});
  if (left_out > 0) {
    notifications.push_back(
        {"warning",
         std::to_string(left_out) + " results were left out because code scanning accepts at most " +
             std::to_string(max_results) +
             " per run. Failing results were kept first; the JSON report lists every edge.",
         {}});
  }
  return notifications;
}

}  // namespace

std::string sarif_rule_id(Verdict verdict, Layer layer) {
  std::string id = "SP-" + std::string(to_string(verdict));
  if (!has_layer_rules(verdict)) return id;
  if (layer == Layer::kNone) return verdict == Verdict::kDenied ? id + "-unknown" : id;
  return id + "-" + std::string(to_string(layer));
}

std::vector<std::string> sarif_rule_ids() {
  std::vector<std::string> ids;
  for (const Rule& rule : rules()) ids.push_back(rule.id);
  return ids;
}

std::string sarif_edge_fingerprint(const EdgeResult& result) {
  const PermissionEdge& edge = result.edge;
  std::string rule_id = sarif_rule_id(result.verdict, result.layer);
  return fingerprint_of({rule_id, edge.reference.location.file, edge.reference.path, edge.secret.id,
                         edge.identity.principal, edge.operation});
}

std::string render_sarif(const RunReport& run, const Gate& gate, std::size_t max_results) {
  std::vector<PendingResult> results;
  size_t left_out = collect_results(run, gate, max_results, results);
  std::vector<Notification> notifications = collect_notifications(run, left_out, max_results);

  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.SetIndent(' ', 2);
  writer.StartObject();
  write_field(writer, "$schema", kSchemaUri);
  write_field(writer, "version", "2.1.0");
  writer.Key("runs");
  writer.StartArray();
  writer.StartObject();
  write_driver(writer, gate);
  // A plan reports only unresolved edges. Its own category keeps a plan
  // upload from closing the denied and not-found alerts of the last check.
  writer.Key("automationDetails");
  writer.StartObject();
  write_field(writer, "id", run.mode == "plan" ? "secret-preflight-plan/" : "secret-preflight/");
  writer.EndObject();
  write_invocation(writer, run, notifications);
  writer.Key("results");
  writer.StartArray();
  for (const PendingResult& result : results) write_result(writer, result);
  writer.EndArray();
  writer.EndObject();
  writer.EndArray();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void write_sarif(const std::string& path, const RunReport& run, const Gate& gate) {
  write_file_atomically(path, render_sarif(run, gate));
}

}  // namespace sp::report
