#include "probe/aws_errors.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <utility>

#include "auth/aws_response.h"
#include "util/json.h"

namespace sp::probe {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains_ci(std::string_view text, std::string_view phrase) {
  return lowercase(text).find(lowercase(phrase)) != std::string::npos;
}

// Policy-type phrases of AWS's enhanced access-denied messages (IAM User
// Guide, "Troubleshoot access denied error messages"), lowercase.
constexpr std::array<std::pair<std::string_view, Layer>, 11> kLayerPhrases = {{
    {"identity-based polic", Layer::kIdentityPolicy},
    {"resource-based polic", Layer::kResourcePolicy},
    {"permissions boundar", Layer::kPermissionsBoundary},
    {"sessions policy", Layer::kSessionPolicy},
    {"session polic", Layer::kSessionPolicy},
    {"service control polic", Layer::kScp},
    // NOTE: resource control policies have no layer of their own; they are
    // reported with the organization's other guardrail, the SCP layer.
    {"resource control polic", Layer::kScp},
    {"vpc endpoint polic", Layer::kVpcEndpointPolicy},
    {"role trust polic", Layer::kTrustPolicy},
    {"trust polic", Layer::kTrustPolicy},
    {"key polic", Layer::kKmsKeyPolicy},
}};

bool is_kms_denial(std::string_view message) {
  return contains_ci(message, "Access to KMS is not allowed") ||
         contains_ci(message, "Service: AWSKMS") || contains_ci(message, "perform: kms:") ||
         contains_ci(message, "ciphertext refers to a customer master key");
}

bool is_access_denied(const std::string& code) {
  return code == "AccessDeniedException" || code == "AccessDenied";
}

bool is_session_auth_error(const std::string& code) {
  static constexpr std::string_view kCodes[] = {
      "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
      "InvalidClientTokenId",        "SignatureDoesNotMatch",     "ExpiredToken",
      "IncompleteSignature",         "MissingAuthenticationToken"};
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

std::string describe_error(const ProviderError& error) {
  std::string text = error.code.empty() ? (error.http_status == 0
                                               ? std::string("connection failed")
                                               : "HTTP " + std::to_string(error.http_status))
                                        : error.code;
  std::string message = strip_message_tail(error.message);
  if (!message.empty()) text += ": " + message;
  return text;
}

std::string secret_noun(const SecretTarget& secret) {
  return secret.service == "ssm" ? "parameter " + secret.id : "secret " + secret.id;
}

std::string denied_fix(Layer layer, const FixContext& context, bool kms) {
  const std::string role = role_name(context.role_arn);
  const std::string resource = policy_resource(context.secret);
  const std::string action = kms ? "kms:Decrypt" : context.operation;
  const std::string target =
      kms ? "the KMS key that encrypts " + resource : resource;
  switch (layer) {
    case Layer::kIdentityPolicy:
      return "Allow " + action + " on " + target + " in a policy attached to " + role + ".";
    case Layer::kResourcePolicy:
      return "Allow " + context.role_arn + " to perform " + action + " in the resource policy of " +
             target + ".";
    case Layer::kKmsKeyPolicy:
      return "Allow kms:Decrypt for " + context.role_arn + " in the key policy of the KMS key that encrypts " +
             resource + ".";
    case Layer::kPermissionsBoundary:
      return "Allow " + action + " on " + target + " in the permissions boundary of " + role + ".";
    case Layer::kScp:
      return "Allow " + action + " on " + target + " for " + role +
             " in the organization's service control policies (or resource control policies).";
    case Layer::kSessionPolicy:
      return "Allow " + action + " on " + target +
             " in the session policy sent for " + role +
             " (the EKS Pod Identity association's policy, or the probe's own policy: set "
             "aws.session_policy to false to compare).";
    case Layer::kVpcEndpointPolicy:
      return "Allow " + action + " on " + target + " for " + role +
             " in the policy of the VPC endpoint the request passed through.";
    case Layer::kTrustPolicy:
      return "Allow the platform to assume " + role + " in its trust policy.";
    default:
      return "Allow " + action + " on " + target + " for " + role +
             "; the provider did not say which policy denied it, so check the identity policy, "
             "the resource policy and the KMS key policy.";
  }
}

std::string oidc_host(const std::optional<auth::TokenClaims>& claims) {
  std::string issuer = claims && !claims->iss.empty() ? claims->iss
                                                      : "https://token.actions.githubusercontent.com";
  if (issuer.starts_with("https://")) issuer = issuer.substr(8);
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  return issuer;
}

std::string assume_role_statement(const std::string& caller_role_arn) {
  return R"({"Effect":"Allow","Principal":{"AWS":)" + json::quote(caller_role_arn) +
         R"(},"Action":"sts:AssumeRole"})";
}

}  // namespace

std::string role_name(const std::string& role_arn) {
  auto slash = role_arn.rfind('/');
  return slash == std::string::npos ? role_arn : role_arn.substr(slash + 1);
}

std::string arn_account(const std::string& arn) {
  if (!arn.starts_with("arn:")) return "";
  size_t start = 0;
  for (int field = 0; field < 4; ++field) {
    start = arn.find(':', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  auto end = arn.find(':', start);
  return end == std::string::npos ? "" : arn.substr(start, end - start);
}

std::string policy_resource(const SecretTarget& secret) {
  std::string name = secret.id;
  // List and batch calls of a find take no resource but "*".
  if (name == "*") return name;
  if (secret.service == "ssm") {
    auto marker = name.find(":parameter");
    if (name.starts_with("arn:") && marker != std::string::npos) name = name.substr(marker + 10);
    return name;
  }
  auto marker = name.find(":secret:");
  bool is_arn = name.starts_with("arn:") && marker != std::string::npos;
  if (is_arn) name = name.substr(marker + 8);
  // A full secret ARN ends in "-" and six random characters.
  bool has_suffix = is_arn && name.size() > 7 && name[name.size() - 7] == '-' &&
                    std::all_of(name.end() - 6, name.end(),
                                [](unsigned char c) { return std::isalnum(c); });
  if (has_suffix) name.resize(name.size() - 7);
  return name + "-??????";
}

Layer layer_from_message(std::string_view message) {
  std::string text = lowercase(message);
  size_t best_position = std::string::npos;
  Layer best = Layer::kUnknown;
  for (const auto& [phrase, layer] : kLayerPhrases) {
    size_t position = text.find(phrase);
    if (position < best_position) {
      best_position = position;
      best = layer;
    }
  }
  return best;
}

std::string strip_message_tail(std::string_view message) {
  std::string text(message);
  auto service = text.find(" (Service:");
  if (service != std::string::npos) text.resize(service);
  auto arn_tail = text.find(": arn:");
  // "User: arn:..." names the caller and "on resource: arn:..." the
  // resource; both stay. A tail after a policy phrase names the denying
  // policy and goes.
  while (arn_tail != std::string::npos) {
    constexpr std::string_view kOnResource = " on resource";
    bool names_resource = arn_tail >= kOnResource.size() &&
                          std::string_view(text).substr(arn_tail - kOnResource.size(),
                                                        kOnResource.size()) == kOnResource;
    bool names_caller = std::string_view(text).substr(0, arn_tail) == "User";
    if (!names_resource && !names_caller) {
      auto end = text.find(' ', arn_tail + 2);
      text.erase(arn_tail, end == std::string::npos ? std::string::npos : end - arn_tail);
    }
    arn_tail = text.find(": arn:", arn_tail + 1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '.')) text.pop_back();
  return text;
}

Classification classify_probe_error(const ProviderError& error, const FixContext& context,
                                    bool deadline_reached) {
  Classification result;
  const std::string attempted = context.operation + " on " + secret_noun(context.secret) + " as " +
                           role_name(context.role_arn);
  const std::string& code = error.code;

  if (is_access_denied(code)) {
    bool kms = is_kms_denial(error.message);
    Layer layer = layer_from_message(strip_message_tail(error.message));
    // A KMS denial that names no other policy type is the key policy's.
    if (kms && (layer == Layer::kUnknown || layer == Layer::kResourcePolicy)) layer = Layer::kKmsKeyPolicy;
    result.verdict = Verdict::kDenied;
    result.layer = layer;
    result.message = attempted + " was denied: " + describe_error(error);
    result.fix = denied_fix(layer, context, kms);
  } else if (code == "ResourceNotFoundException" || code == "ParameterNotFound" ||
             code == "ParameterVersionNotFound") {
    result.verdict = Verdict::kNotFound;
    result.message = attempted + " found nothing: " + describe_error(error);
    result.fix = "Create " + secret_noun(context.secret) + " in " + context.secret.region +
                 (context.secret.account.empty() ? "" : " (account " + context.secret.account + ")") +
                 ", or fix the name, version or region in the reference.";
  } else if (code == "InvalidRequestException" &&
             (contains_ci(error.message, "marked for deletion") ||
              contains_ci(error.message, "scheduled for deletion"))) {
    result.verdict = Verdict::kDisabled;
    result.message = attempted + " failed because the secret is scheduled for deletion";
    result.fix = "Restore " + secret_noun(context.secret) +
                 " with secretsmanager:RestoreSecret, or point the reference at another secret.";
  } else if (code == "DecryptionFailure" || code == "InvalidKeyId" ||
             code == "KMSInvalidStateException" || code == "DisabledException") {
    // Secrets Manager reports a caller's missing KMS permission as
    // AccessDeniedException ("Access to KMS is not allowed"). DecryptionFailure
    // means the key itself could not decrypt (disabled, pending deletion), so
    // the stored value is unreadable for every identity: the secret is
    // disabled in effect, not denied to this role.
    result.verdict = Verdict::kDisabled;
    result.message = attempted + " failed because the KMS key could not decrypt it: " + describe_error(error);
    result.fix = "Enable the KMS key that encrypts " + policy_resource(context.secret) +
                 " (or cancel its deletion), or re-encrypt the secret with a usable key.";
  } else if (code == "ValidationException" || code == "InvalidParameterException") {
    result.verdict = Verdict::kNotFound;
    result.message = attempted + " was rejected as invalid: " + describe_error(error);
    result.fix = "Fix the name, version id or label of " + secret_noun(context.secret) +
                 " in the reference.";
  } else if (auth::is_clock_skew(error)) {
    result.verdict = Verdict::kInconclusive;
    result.message = attempted + " failed because the runner's clock is off: " + describe_error(error) +
                     "; this says nothing about the secret";
    result.fix = "Set the runner's clock right (AWS rejects signatures more than 5 minutes off), then rerun.";
  } else if (is_session_auth_error(code)) {
    result.verdict = Verdict::kInconclusive;
    result.message = attempted + " failed because AWS did not accept the probe's session: " +
                     describe_error(error) + "; this says nothing about the secret";
    result.fix = "Rerun; if it persists, check the runner's clock and the STS endpoint.";
  } else {
    result.verdict = Verdict::kInconclusive;
    std::string reason = deadline_reached ? "the run deadline passed; last error " : "";
    result.message = attempted + " returned no usable result" +
                     (auth::is_retryable(error) && !deadline_reached ? " after retries" : "") + ": " +
                     reason + describe_error(error);
    result.fix = deadline_reached ? "Rerun with a longer deadline." : "Rerun the check.";
  }
  return result;
}

std::string web_identity_trust_statement(const std::string& role_arn,
                                         const std::optional<auth::TokenClaims>& claims,
                                         const std::string& audience) {
  const std::string host = oidc_host(claims);
  const std::string aud = claims && !claims->aud.empty() ? claims->aud : audience;
  std::string condition_operator = "StringEquals";
  std::string sub = claims ? claims->sub : "";
  if (sub.empty()) {
    const char* repository = std::getenv("GITHUB_REPOSITORY");
    sub = "repo:" + std::string(repository ? repository : "<owner>/<repo>") + ":*";
    condition_operator = "StringLike";
  }
  std::string conditions = "{" + json::quote(host + ":aud") + ":" + json::quote(aud);
  if (condition_operator == "StringEquals") conditions += "," + json::quote(host + ":sub") + ":" + json::quote(sub);
  conditions += "}";
  std::string condition_block = R"("Condition":{"StringEquals":)" + conditions;
  if (condition_operator == "StringLike")
    condition_block += R"(,"StringLike":{)" + json::quote(host + ":sub") + ":" + json::quote(sub) + "}";
  condition_block += "}";
  return R"({"Effect":"Allow","Principal":{"Federated":)" +
         json::quote("arn:aws:iam::" + arn_account(role_arn) + ":oidc-provider/" + host) +
         R"(},"Action":"sts:AssumeRoleWithWebIdentity",)" + condition_block + "}";
}

Classification classify_session_failure(const auth::SessionFailure& failure,
                                        const FixContext& context, const std::string& audience) {
  Classification result;
  const std::string& role = failure.hop.role_arn;
  const std::string sts_action = failure.hop.web_identity ? "sts:AssumeRoleWithWebIdentity" : "sts:AssumeRole";
  if (!failure.token_error.empty()) {
    result.verdict = failure.token_error_transient ? Verdict::kInconclusive : Verdict::kIdentityUnavailable;
    result.message = "the CI could not become " + role + ": " + failure.token_error;
    result.fix = failure.token_error_transient
                     ? "Rerun the check."
                     : "Give the job `permissions: id-token: write` and run it from the repository "
                       "itself (fork pull requests get no OIDC token), or pass --token-file or "
                       "--token-env.";
    return result;
  }
  if (!failure.error) {
    result.verdict = Verdict::kInconclusive;
    result.message = "the run deadline passed before the CI could become " + role;
    result.fix = "Rerun with a longer deadline.";
    return result;
  }
  const ProviderError& error = *failure.error;
  const std::string cause = describe_error(error);
  result.message = "the CI could not become " + role + " (" + sts_action + "): " + cause +
                   "; this says nothing about " + secret_noun(context.secret);
  if (auth::is_retryable(error) || failure.deadline_reached) {
    result.verdict = Verdict::kInconclusive;
    result.fix = failure.deadline_reached ? "Rerun with a longer deadline." : "Rerun the check.";
    return result;
  }
  // A wrong clock, an expired token or an unreadable response shows nothing
  // about the trust policy, so none of them is identity-unavailable.
  if (auth::is_clock_skew(error)) {
    result.verdict = Verdict::kInconclusive;
    result.fix = "Set the runner's clock right (AWS rejects signatures more than 5 minutes off), then rerun.";
    return result;
  }
  if (error.code == "ExpiredTokenException") {
    result.verdict = Verdict::kInconclusive;
    result.fix = "The CI token expired before STS accepted it, even after a fresh one; check the "
                 "runner's clock and rerun.";
    return result;
  }
  if (error.http_status >= 200 && error.http_status < 300) {
    result.verdict = Verdict::kInconclusive;
    result.fix = "Rerun the check; STS answered without credentials.";
    return result;
  }
  result.verdict = Verdict::kIdentityUnavailable;
  const std::string& code = error.code;
  const std::string trust_fix = "Add this statement to the trust policy of " + role_name(role) + ": " +
                                web_identity_trust_statement(role, failure.claims, audience);
  if (is_access_denied(code) && failure.hop.web_identity) {
    result.layer = Layer::kTrustPolicy;
    result.fix = trust_fix;
  } else if (is_access_denied(code)) {
    Layer layer = layer_from_message(strip_message_tail(error.message));
    result.layer = layer == Layer::kUnknown ? Layer::kTrustPolicy : layer;
    if (result.layer == Layer::kTrustPolicy)
      result.fix = "Add this statement to the trust policy of " + role_name(role) + ": " +
                   assume_role_statement(failure.caller_role_arn) + "; and allow sts:AssumeRole on " +
                   role + " in a policy attached to " + role_name(failure.caller_role_arn) + ".";
    else
      result.fix = "Allow sts:AssumeRole on " + role + " for " + role_name(failure.caller_role_arn) +
                   " in its " + std::string(to_string(result.layer)) + ".";
  } else if (code == "InvalidIdentityToken" && contains_ci(error.message, "audience")) {
    result.layer = Layer::kTrustPolicy;
    result.fix = "Add the audience \"" + audience + "\" to the client IDs of the IAM OIDC provider " +
                 oidc_host(failure.claims) + " in account " + arn_account(role) +
                 ", or request the audience it lists.";
  } else if (code == "InvalidIdentityToken" && contains_ci(error.message, "not a valid JWT")) {
    // The token itself is broken, so no trust statement would help.
    result.layer = Layer::kUnknown;
    result.fix = "The CI token is not a JWT; check --token-file, --token-env or the GitHub token "
                 "endpoint that supplied it.";
  } else if (code == "InvalidIdentityToken" || code == "IDPRejectedClaim") {
    result.layer = Layer::kTrustPolicy;
    result.fix = "Check that account " + arn_account(role) + " has the IAM OIDC provider https://" +
                 oidc_host(failure.claims) + " with client ID \"" + audience + "\". " + trust_fix;
  } else if (code == "MalformedPolicyDocument" || code == "PackedPolicyTooLarge") {
    result.layer = Layer::kSessionPolicy;
    result.fix = "STS rejected the session policy sent for " + role_name(role) +
                 "; fix the EKS Pod Identity association's policy, or set aws.session_policy to false.";
  } else if (code == "RegionDisabledException") {
    result.layer = Layer::kUnknown;
    result.fix = "Activate STS in the region of the STS endpoint, or set AWS_REGION to an active region.";
  } else {
    result.layer = Layer::kUnknown;
    result.fix = "Check that the CI may assume " + role + ". " + trust_fix;
  }
  return result;
}

}  // namespace sp::probe
