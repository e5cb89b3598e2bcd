#include "probe/azure_errors.h"

#include "auth/aws_response.h"
#include "auth/azure_response.h"

namespace sp::probe {
namespace {

constexpr const char* kGitHubIssuer = "https://token.actions.githubusercontent.com";

std::string describe(const ProviderError& error, const std::string& inner_code = "") {
  std::string text = error.code.empty() ? (error.http_status == 0 ? std::string("connection failed")
                                                                  : "HTTP " + std::to_string(error.http_status))
                                        : error.code;
  if (!inner_code.empty()) text += " (" + inner_code + ")";
  if (!error.message.empty()) {
    // Key Vault messages span lines, and the first line states what failed.
    // Entra ID descriptions start with the code again ("AADSTS700213: ...").
    std::string message = error.message.substr(0, error.message.find_first_of("\r\n"));
    if (!error.code.empty() && message.starts_with(error.code + ": ")) text = message;
    else text += ": " + message;
  }
  return text;
}

Classification inconclusive(std::string message, bool deadline_reached) {
  Classification result;
  result.verdict = Verdict::kInconclusive;
  result.message = std::move(message);
  result.fix = deadline_reached ? "Rerun with a longer deadline." : "Rerun the check.";
  return result;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }

std::string rbac_fix(const AzureFixContext& context, const std::string& resource) {
  const std::string scope = resource.empty() ? "\"$(az keyvault show --name " + context.secret.vault +
                                                   " --query id -o tsv)/secrets/" + context.secret.name + "\""
                                             : resource;
  return "Assign Key Vault Secrets User on the secret or vault to " + context.client_id +
         ": az role assignment create --role \"Key Vault Secrets User\" --assignee " + context.client_id +
         " --scope " + scope + ". Owner and Contributor grant no data-plane read on a vault that uses Azure RBAC.";
}

std::string access_policy_fix(const AzureFixContext& context, const std::string& object_id) {
  const std::string principal = object_id.empty() ? "--spn " + context.client_id : "--object-id " + object_id;
  return "Add an access policy with secrets get for object " +
         (object_id.empty() ? "of client " + context.client_id : object_id) + ": az keyvault set-policy --name " +
         context.secret.vault + " " + principal +
         " --secret-permissions get. The vault uses access policies, so an Azure RBAC role assignment does "
         "nothing there.";
}

std::string either_model_fix(const AzureFixContext& context, const std::string& object_id) {
  return "If vault " + context.secret.vault +
         " uses Azure RBAC (enableRbacAuthorization: true): " + rbac_fix(context, "") +
         " If it uses access policies: " + access_policy_fix(context, object_id);
}

std::string identity_hint(const AzureFixContext& context) {
  return "Check the client ID (the ServiceAccount's azure.workload.identity/client-id annotation) and the tenant "
         "(azure.workload.identity/tenant-id, else azure.tenant_id in the config file): client " +
         context.client_id + ", tenant " + context.tenant + ".";
}

}  // namespace

std::string challenge_tenant(const std::string& challenge) {
  auto at = challenge.find("authorization=\"");
  if (at == std::string::npos) at = challenge.find("authorization_uri=\"");
  if (at == std::string::npos) return "";
  auto start = challenge.find('"', at) + 1;
  auto end = challenge.find('"', start);
  if (end == std::string::npos) return "";
  std::string authority = challenge.substr(start, end - start);
  while (authority.ends_with('/')) authority.pop_back();
  return authority.substr(authority.rfind('/') + 1);
}

std::string caller_field(const std::string& message, const std::string& field) {
  size_t at = 0;
  while ((at = message.find(field + "=", at)) != std::string::npos) {
    if (at == 0 || message[at - 1] == ';' || message[at - 1] == ' ' || message[at - 1] == '\'') {
      auto start = at + field.size() + 1;
      auto end = message.find_first_of(";' \r\n", start);
      return message.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    ++at;
  }
  return "";
}

std::string rbac_resource(const std::string& message) {
  constexpr std::string_view kField = "Resource: '";
  auto at = message.find(kField);
  if (at == std::string::npos) return "";
  auto start = at + kField.size();
  auto end = message.find('\'', start);
  if (end == std::string::npos) return "";
  return message.substr(start, end - start);
}

std::string federated_credential_fix(const AzureFixContext& context) {
  const std::string issuer = context.claims && !context.claims->iss.empty() ? context.claims->iss : kGitHubIssuer;
  const std::string subject =
      context.claims && !context.claims->sub.empty() ? context.claims->sub : "repo:<owner>/<repo>:<context>";
  const std::string audience =
      context.claims && !context.claims->aud.empty() ? context.claims->aud : context.audience;
  return "Add a federated identity credential for this repository to client " + context.client_id + " (issuer " +
         issuer + ", subject " + subject + ", audience " + audience +
         "; the subject is case-sensitive). For a user-assigned managed identity: az identity "
         "federated-credential create --name github-preflight --identity-name <IDENTITY> --resource-group <GROUP> "
         "--issuer " + issuer + " --subject " + subject + " --audiences " + audience +
         ". For an app registration: az ad app federated-credential create --id " + context.client_id +
         " --parameters '{\"name\":\"github-preflight\",\"issuer\":\"" + issuer + "\",\"subject\":\"" + subject +
         "\",\"audiences\":[\"" + audience + "\"]}'.";
}

Classification classify_keyvault_error(const ProviderError& error, const std::string& inner_code,
                                       const std::string& challenge, const AzureFixContext& context,
                                       bool deadline_reached) {
  const std::string subject = "Get Secret on " + context.secret.id() + " as " + context.client_id;
  const std::string cause = describe(error, inner_code);
  if (auth::is_retryable(error) || deadline_reached) {
    std::string message = subject + " did not get a clean answer after retries: " + cause;
    if (error.http_status == 0 && contains(error.message, "resolve"))
      message += " (a vault name that does not exist fails this way)";
    return inconclusive(message, deadline_reached);
  }

  Classification result;
  const int status = error.http_status;
  const std::string object_id = caller_field(error.message, "oid");
  if (status == 401) {
    result.verdict = Verdict::kIdentityUnavailable;
    result.layer = Layer::kUnknown;
    result.message = "Key Vault rejected the token of " + context.client_id + ": " + cause +
                     "; this says nothing about the secret";
    const std::string vault_tenant = challenge_tenant(challenge);
    if (!vault_tenant.empty() && vault_tenant != context.tenant) {
      result.message += ". The vault's challenge names tenant " + vault_tenant;
      result.fix = "Vault " + context.secret.vault + " belongs to tenant " + vault_tenant +
                   ", but the token was issued in tenant " + context.tenant +
                   ": set azure.workload.identity/tenant-id on the ServiceAccount or azure.tenant_id in the "
                   "config file.";
    } else {
      result.fix = "Rerun the check; if it repeats, check that the token's scope matches the vault's cloud "
                   "(azure.cloud in the config file).";
    }
    return result;
  }
  if (status == 403 && (inner_code == "SecretDisabled" || contains(error.message, "disabled secret"))) {
    result.verdict = Verdict::kDisabled;
    result.message = subject + " found the secret disabled: " + cause;
    result.fix = "Enable the secret version (az keyvault secret set-attributes --vault-name " + context.secret.vault +
                 " --name " + context.secret.name + (context.secret.version.empty() ? "" : " --version " + context.secret.version) +
                 " --enabled true), or point the reference at an enabled version.";
    return result;
  }
  if (status == 403) {
    result.verdict = Verdict::kDenied;
    if (inner_code == "ForbiddenByRbac" || error.code == "ForbiddenByRbac") {
      result.layer = Layer::kRbacRoleAssignment;
      result.message = subject + " was denied: no role assignment gives the data action "
                       "Microsoft.KeyVault/vaults/secrets/getSecret/action: " + cause;
      result.fix = rbac_fix(context, rbac_resource(error.message));
      return result;
    }
    if (inner_code == "AccessDenied" || inner_code == "ForbiddenByPolicy" ||
        contains(error.message, "does not have secrets get permission")) {
      result.layer = Layer::kAccessPolicy;
      result.message = subject + " was denied by the vault's access policies: " + cause;
      result.fix = access_policy_fix(context, object_id);
      if (inner_code == "ForbiddenByPolicy")
        result.fix = "Change the access policy of " + (object_id.empty() ? context.client_id : object_id) +
                     " on vault " + context.secret.vault +
                     " so that it does not require a compound identity (on-behalf-of flow): the workload "
                     "reads the secret as the identity alone.";
      return result;
    }
    if (inner_code == "ForbiddenByFirewall" || inner_code == "ForbiddenByConnection" ||
        contains(error.message, "Client address is not authorized") ||
        contains(error.message, "Public network access is disabled")) {
      // The firewall judges the caller's address: the CI runner's, not the
      // workload's, so the workload may still be admitted from its network.
      result.layer = Layer::kNetwork;
      result.message = subject + " was denied by the vault's network rules for the CI's address: " + cause;
      result.fix = "Allow the CI's network on vault " + context.secret.vault +
                   " (az keyvault network-rule add) or run the check from a network that reaches the vault "
                   "(a self-hosted runner in the workload's virtual network); the workload's own network is "
                   "judged separately.";
      return result;
    }
    result.layer = Layer::kUnknown;
    result.message = subject + " was denied: " + cause;
    result.fix = either_model_fix(context, object_id);
    return result;
  }
  if (status == 404 || error.code == "SecretNotFound") {
    result.verdict = Verdict::kNotFound;
    result.message = subject + " found no such secret or version: " + cause;
    result.fix = "Create secret " + context.secret.name + " in vault " + context.secret.vault +
                 " (a soft-deleted secret can be recovered with az keyvault secret recover), or fix the vault, "
                 "name or version in the reference.";
    return result;
  }
  result.message = subject + " failed: " + cause;
  result.fix = "Read the provider's error; secret-preflight has no rule for it.";
  return result;
}

Classification classify_azure_token_failure(const auth::AzureTokenFailure& failure, const AzureFixContext& context) {
  Classification result;
  const std::string target = "client " + context.client_id + " in tenant " + context.tenant;
  if (failure.step == auth::AzureStep::kCiToken) {
    result.verdict = failure.token_error_transient ? Verdict::kInconclusive : Verdict::kIdentityUnavailable;
    result.message = "the CI could not become " + target + ": " + failure.token_error;
    result.fix = failure.token_error_transient
                     ? "Rerun the check."
                     : "Give the job `permissions: id-token: write` and run it from the repository itself "
                       "(fork pull requests get no OIDC token), or pass --token-file or --token-env.";
    return result;
  }
  if (!failure.error) return inconclusive("the run deadline passed before the Entra ID token request for " + target, true);

  const ProviderError& error = *failure.error;
  result.message = "the CI could not become " + target + " (Entra ID token request): " + describe(error) +
                   "; this says nothing about secret " + context.secret.id();
  if (auth::is_retryable(error) || failure.deadline_reached) {
    result.verdict = Verdict::kInconclusive;
    result.fix = failure.deadline_reached ? "Rerun with a longer deadline." : "Rerun the check.";
    return result;
  }
  // An expired CI token, a wrong runner clock or a 200 without a token shows
  // nothing about the federated credentials.
  if (auth::aadsts_number(error) == 700024) {
    result.verdict = Verdict::kInconclusive;
    result.fix = "Entra ID found the CI token outside its valid time range: check the runner's clock and that "
                 "--token-file or --token-env holds a fresh OIDC token, then rerun.";
    return result;
  }
  if (error.http_status >= 200 && error.http_status < 300) {
    result.verdict = Verdict::kInconclusive;
    result.fix = "Rerun the check; Entra ID answered without a token.";
    return result;
  }
  result.verdict = Verdict::kIdentityUnavailable;
  switch (auth::aadsts_number(error)) {
    case 70021:      // no matching federated identity record
    case 700211:     // no credential with the assertion's issuer
    case 700212:     // no credential with the assertion's audience
    case 700213:     // no credential with the assertion's subject
    case 7002137:    // subject mismatch, with the expected subject
    case 7002138:    // subject matches only case-insensitively
      result.layer = Layer::kTrustPolicy;
      result.fix = federated_credential_fix(context);
      return result;
    case 700016:  // application not found in the tenant
    case 90002:   // tenant not found
      result.layer = Layer::kUnknown;
      result.fix = identity_hint(context);
      return result;
    case 50027:  // invalid JWT
      result.layer = Layer::kUnknown;
      result.fix = "Entra ID rejected the CI token itself as malformed: check that --token-file or "
                   "--token-env holds an OIDC token, then rerun.";
      return result;
    default:
      result.layer = Layer::kUnknown;
      result.fix = identity_hint(context) + " Then check the federated identity credentials: " +
                   federated_credential_fix(context);
      return result;
  }
}

}  // namespace sp::probe
