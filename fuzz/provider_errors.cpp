// Provider responses: a fake transport answers every request with the
// input's status, headers and body, and the real probe or token-error path
// parses and classifies it. That covers AWS JSON 1.1 and XML errors, Google
// google.rpc.Status and OAuth errors, Key Vault and Entra ID errors, the
// success bodies whose secret values the probes check for a JSON key, and
// the federated credential list. Nothing leaves the process.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/aws_response.h"
#include "auth/azure_response.h"
#include "auth/gcp_response.h"
#include "probe/azure_probe.h"
#include "probe/gcp_probe.h"
#include "probe/secret_probe.h"

namespace {

class FixedTransport : public sp::http::HttpTransport {
 public:
  explicit FixedTransport(sp::http::Response response) : response_(std::move(response)) {}
  sp::http::Response perform(const sp::http::Request&) override { return response_; }

 private:
  sp::http::Response response_;
};

sp::auth::RetryPolicy single_attempt() {
  sp::auth::RetryPolicy retry;
  retry.max_attempts = 1;
  retry.random = [] { return 0.0; };
  retry.sleep = [](std::chrono::duration<double>) {};
  return retry;
}

void probe_aws(FixedTransport& transport, bool ssm, const std::string& json_key) {
  sp::auth::AwsCredentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = sp::SensitiveString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  sp::probe::ProbeCall call{transport, credentials, "us-east-1", single_attempt(),
                            "arn:aws:iam::111122223333:role/api-runtime"};
  sp::PermissionEdge edge;
  edge.secret.service = ssm ? "ssm" : "secretsmanager";
  edge.secret.id = ssm ? "/shop/api-key" : "shop/db";
  edge.secret.region = "us-east-1";
  edge.secret.json_key = json_key;
  edge.operation = ssm ? "ssm:GetParameters" : "secretsmanager:GetSecretValue";
  edge.identity.principal = call.role_arn;
  std::optional<sp::ProviderError> error;
  (void)sp::probe::probe_secret(edge, call, error);
}

void probe_google(FixedTransport& transport, const std::string& json_key) {
  sp::SensitiveString token("ya29.fuzz");
  sp::probe::GoogleCall call{transport, token, single_attempt()};
  sp::probe::GoogleFixContext context;
  context.principal = "api@shop-prod.iam.gserviceaccount.com";
  context.secret = {"shop-prod", "db", "latest"};
  context.provider.resource_name =
      "projects/123456789/locations/global/workloadIdentityPools/github/providers/github";
  context.repository = "octo/shop";
  std::optional<sp::ProviderError> error;
  (void)sp::probe::access_secret_version(context, json_key, call, error);
}

void probe_azure(FixedTransport& transport, const std::string& json_key) {
  sp::SensitiveString token("eyJ.fuzz");
  sp::probe::AzureCall call{transport, token, single_attempt()};
  sp::probe::AzureFixContext context;
  context.client_id = "11111111-1111-1111-1111-111111111111";
  context.tenant = "00000000-0000-0000-0000-000000000000";
  context.secret.vault = "shop-kv";
  context.secret.vault_url = "https://shop-kv.vault.azure.net";
  context.secret.name = "db";
  std::optional<sp::ProviderError> error;
  (void)sp::probe::get_keyvault_secret(context, json_key, call, error);
}

// The input reads like an HTTP response, so seeds are easy to write:
//   <path 0-9> <status>\n
//   key: <JSON key the probe checks>\n        (optional)
//   <header name>: <value>\n                 (any number)
//   \n
//   <body>
struct FuzzResponse {
  int path = 0;
  std::string json_key;
  sp::http::Response response;
};

FuzzResponse read_input(std::string_view text) {
  FuzzResponse input;
  auto next_line = [&text]() {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    return line;
  };
  std::string_view first = next_line();
  // '0' (48) maps to path 0, and every other byte to some path too.
  if (!first.empty()) input.path = (static_cast<unsigned char>(first[0]) + 2) % 10;
  size_t space = first.find(' ');
  if (space != std::string_view::npos) {
    int status = 0;
    for (char c : first.substr(space + 1, 3))
      if (c >= '0' && c <= '9') status = status * 10 + (c - '0');
    input.response.status = status;
  }
  if (input.response.status == 0) input.response.transport_error = "Connection refused";
  while (!text.empty()) {
    std::string_view line = next_line();
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::string value(line.substr(colon + 1));
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (name == "key") {
      input.json_key = value;
    } else {
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      input.response.headers[name] = value;
    }
  }
  input.response.body = std::string(text);
  return input;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzResponse input = read_input(std::string_view(reinterpret_cast<const char*>(data), size));
  int path = input.path;
  const std::string& json_key = input.json_key;
  const sp::http::Response& response = input.response;
  FixedTransport transport(response);

  switch (path) {
    case 0:
      probe_aws(transport, false, json_key);
      break;
    case 1:
      probe_aws(transport, true, json_key);
      break;
    case 2:
      probe_google(transport, json_key);
      break;
    case 3:
      probe_azure(transport, json_key);
      break;
    case 4: {
      sp::auth::AzureTokenFailure failure;
      failure.step = sp::auth::AzureStep::kTokenRequest;
      failure.error = sp::auth::parse_entra_error(response);
      (void)sp::auth::aadsts_number(*failure.error);
      sp::probe::AzureFixContext context;
      context.client_id = "11111111-1111-1111-1111-111111111111";
      context.claims = sp::auth::TokenClaims{"repo:octo/shop:ref:refs/heads/main",
                                             "https://token.actions.githubusercontent.com",
                                             "api://AzureADTokenExchange"};
      (void)sp::probe::classify_azure_token_failure(failure, context);
      break;
    }
    case 5: {
      sp::auth::GoogleTokenFailure failure;
      failure.step = (response.status % 2) ? sp::auth::GoogleStep::kExchange
                                           : sp::auth::GoogleStep::kImpersonation;
      failure.error = sp::auth::parse_google_error(response);
      failure.reason = sp::auth::google_error_reason(response.body);
      sp::probe::GoogleFixContext context;
      context.principal = "api@shop-prod.iam.gserviceaccount.com";
      context.secret = {"shop-prod", "db", "latest"};
      (void)sp::probe::classify_google_token_failure(failure, context);
      break;
    }
    case 6: {
      sp::auth::SessionFailure failure;
      failure.hop.role_arn = "arn:aws:iam::111122223333:role/api-runtime";
      failure.hop.web_identity = response.status % 2;
      failure.error = sp::auth::parse_aws_error(response);
      (void)sp::auth::is_retryable(*failure.error);
      sp::probe::FixContext context;
      context.operation = "secretsmanager:GetSecretValue";
      context.role_arn = failure.hop.role_arn;
      (void)sp::probe::classify_session_failure(failure, context, "sts.amazonaws.com");
      break;
    }
    case 7:
      (void)sp::auth::keyvault_inner_code(response.body);
      (void)sp::probe::match_federated_credentials(
          response.body, "billing", "https://oidc.prod-aks.azure.com/tenant/",
          "system:serviceaccount:shop:api");
      break;
    default: {
      std::string value = response.body;
      (void)sp::probe::check_json_key(value, json_key);
      break;
    }
  }
  return 0;
}
