#include <catch2/catch.hpp>

#include "probe/aws_errors.h"

using sp::Layer;
using sp::Verdict;

namespace {

sp::probe::FixContext shop_context() {
  sp::probe::FixContext context;
  context.operation = "secretsmanager:GetSecretValue";
  context.role_arn = "arn:aws:iam::111122223333:role/shop-api-exec";
  context.secret.service = "secretsmanager";
  context.secret.id = "arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/stripe-Hd2wPa";
  context.secret.region = "us-east-1";
  return context;
}

sp::ProviderError error(const std::string& code, const std::string& message, int status = 400) {
  return sp::ProviderError{code, message, "req-1", status};
}

}  // namespace

TEST_CASE("provider errors map to verdict and layer", "[probe]") {
  struct Case {
    std::string code;
    std::string message;
    int status;
    Verdict verdict;
    Layer layer;
  };
  const std::string prefix =
      "User: arn:aws:sts::111122223333:assumed-role/shop-api-exec/s is not authorized to perform: "
      "secretsmanager:GetSecretValue on resource: shop/stripe ";
  const std::vector<Case> cases = {
      {"AccessDeniedException", prefix + "because no identity-based policy allows the secretsmanager:GetSecretValue action", 400, Verdict::kDenied, Layer::kIdentityPolicy},
      {"AccessDeniedException", prefix + "with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/deny", 400, Verdict::kDenied, Layer::kIdentityPolicy},
      {"AccessDeniedException", prefix + "because no resource-based policy allows the secretsmanager:GetSecretValue action", 400, Verdict::kDenied, Layer::kResourcePolicy},
      {"AccessDeniedException", prefix + "with an explicit deny in a resource-based policy", 400, Verdict::kDenied, Layer::kResourcePolicy},
      {"AccessDeniedException", prefix + "because no permissions boundary allows the secretsmanager:GetSecretValue action", 400, Verdict::kDenied, Layer::kPermissionsBoundary},
      {"AccessDeniedException", prefix + "with an explicit deny in a permissions boundary", 400, Verdict::kDenied, Layer::kPermissionsBoundary},
      {"AccessDeniedException", prefix + "because no session policy allows the secretsmanager:GetSecretValue action", 400, Verdict::kDenied, Layer::kSessionPolicy},
      {"AccessDeniedException", prefix + "with an explicit deny in a sessions policy", 400, Verdict::kDenied, Layer::kSessionPolicy},
      {"AccessDeniedException", prefix + "with an explicit deny in a service control policy: arn:aws:organizations::1:policy/o-1/service_control_policy/p-1", 400, Verdict::kDenied, Layer::kScp},
      {"AccessDeniedException", prefix + "because no VPC endpoint policy allows the secretsmanager:GetSecretValue action", 400, Verdict::kDenied, Layer::kVpcEndpointPolicy},
      {"AccessDeniedException", prefix + "with an explicit deny in a VPC endpoint policy transitively through a service control policy", 400, Verdict::kDenied, Layer::kVpcEndpointPolicy},
      {"AccessDeniedException", "Access to KMS is not allowed", 400, Verdict::kDenied, Layer::kKmsKeyPolicy},
      {"AccessDeniedException", "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:1:key/k because no resource-based policy allows the kms:Decrypt action (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: x; Proxy: null)", 400, Verdict::kDenied, Layer::kKmsKeyPolicy},
      {"AccessDeniedException", "The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: x)", 400, Verdict::kDenied, Layer::kKmsKeyPolicy},
      {"AccessDeniedException", prefix.substr(0, prefix.size() - 1), 400, Verdict::kDenied, Layer::kUnknown},
      {"AccessDenied", "Access denied", 403, Verdict::kDenied, Layer::kUnknown},
      {"ResourceNotFoundException", "Secrets Manager can't find the specified secret.", 400, Verdict::kNotFound, Layer::kNone},
      {"ParameterNotFound", "", 400, Verdict::kNotFound, Layer::kNone},
      {"ParameterVersionNotFound", "", 400, Verdict::kNotFound, Layer::kNone},
      {"InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.", 400, Verdict::kDisabled, Layer::kNone},
      {"DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the provided KMS key.", 400, Verdict::kDisabled, Layer::kNone},
      {"ThrottlingException", "Rate exceeded", 400, Verdict::kInconclusive, Layer::kNone},
      {"InternalServiceError", "", 500, Verdict::kInconclusive, Layer::kNone},
      {"", "Connection reset by peer", 0, Verdict::kInconclusive, Layer::kNone},
      {"UnrecognizedClientException", "The security token included in the request is invalid.", 400, Verdict::kInconclusive, Layer::kNone},
  };
  for (const auto& c : cases) {
    INFO(c.code << ": " << c.message);
    auto result = sp::probe::classify_probe_error(error(c.code, c.message, c.status), shop_context());
    CHECK(result.verdict == c.verdict);
    CHECK(result.layer == c.layer);
    CHECK_FALSE(result.message.empty());
    CHECK_FALSE(result.fix.empty());
  }
}

TEST_CASE("identity-policy fix names role and secret", "[probe]") {
  auto result = sp::probe::classify_probe_error(
      error("AccessDeniedException",
            "User: x is not authorized to perform: secretsmanager:GetSecretValue on resource: y "
            "because no identity-based policy allows the secretsmanager:GetSecretValue action"),
      shop_context());
  CHECK(result.fix ==
        "Allow secretsmanager:GetSecretValue on shop/stripe-?????? in a policy attached to shop-api-exec.");
}

TEST_CASE("message tails are stripped", "[probe]") {
  CHECK(sp::probe::strip_message_tail(
            "User: a is not authorized to perform: x on resource: arn:aws:s:1 with an explicit deny "
            "in a service control policy: arn:aws:organizations::1:policy/p (Service: AWSKMS; Status Code: 400)") ==
        "User: a is not authorized to perform: x on resource: arn:aws:s:1 with an explicit deny in "
        "a service control policy");
}

TEST_CASE("message keeps the caller ARN", "[probe]") {
  const std::string message =
      "User: arn:aws:sts::111122223333:assumed-role/shop-api-exec/secret-preflight-7 is not "
      "authorized to perform: secretsmanager:GetSecretValue on resource: shop/stripe because no "
      "identity-based policy allows the secretsmanager:GetSecretValue action";
  CHECK(sp::probe::strip_message_tail(message) == message);
}

TEST_CASE("policy resource replaces the ARN suffix", "[probe]") {
  sp::SecretTarget secret;
  secret.service = "secretsmanager";
  secret.id = "shop/stripe";
  CHECK(sp::probe::policy_resource(secret) == "shop/stripe-??????");
  secret.id = "arn:aws:secretsmanager:us-east-1:1:secret:shop/stripe-Hd2wPa";
  CHECK(sp::probe::policy_resource(secret) == "shop/stripe-??????");
  secret.service = "ssm";
  secret.id = "arn:aws:ssm:us-east-1:1:parameter/ci/token";
  CHECK(sp::probe::policy_resource(secret) == "/ci/token");
}

TEST_CASE("STS failures map to identity-unavailable", "[probe]") {
  struct Case {
    std::string code;
    std::string message;
    bool web_identity;
    Verdict verdict;
    Layer layer;
  };
  const std::vector<Case> cases = {
      {"AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", true, Verdict::kIdentityUnavailable, Layer::kTrustPolicy},
      {"InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com", true, Verdict::kIdentityUnavailable, Layer::kTrustPolicy},
      {"InvalidIdentityToken", "Incorrect token audience", true, Verdict::kIdentityUnavailable, Layer::kTrustPolicy},
      {"InvalidIdentityToken", "The ID Token provided is not a valid JWT", true, Verdict::kIdentityUnavailable, Layer::kUnknown},
      {"IDPRejectedClaim", "", true, Verdict::kIdentityUnavailable, Layer::kTrustPolicy},
      {"ExpiredTokenException", "Token expired", true, Verdict::kInconclusive, Layer::kNone},
      {"SignatureDoesNotMatch", "Signature expired: 20260101T000000Z is now earlier than 20260101T001000Z (20260101T001500Z - 5 min.)", false, Verdict::kInconclusive, Layer::kNone},
      {"RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", true, Verdict::kInconclusive, Layer::kNone},
      {"MalformedPolicyDocument", "bad", true, Verdict::kIdentityUnavailable, Layer::kSessionPolicy},
      {"AccessDenied", "User: arn:aws:sts::1:assumed-role/pre/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/r", false, Verdict::kIdentityUnavailable, Layer::kTrustPolicy},
      {"AccessDenied", "User: a is not authorized to perform: sts:AssumeRole on resource: b because no identity-based policy allows the sts:AssumeRole action", false, Verdict::kIdentityUnavailable, Layer::kIdentityPolicy},
      {"Throttling", "Rate exceeded", true, Verdict::kInconclusive, Layer::kNone},
      {"IDPCommunicationError", "", true, Verdict::kInconclusive, Layer::kNone},
  };
  for (const auto& c : cases) {
    INFO(c.code << ": " << c.message);
    sp::auth::SessionFailure failure;
    failure.hop.role_arn = "arn:aws:iam::111122223333:role/shop-api-exec";
    failure.hop.web_identity = c.web_identity;
    failure.caller_role_arn = c.web_identity ? "" : "arn:aws:iam::111122223333:role/pre";
    failure.error = error(c.code, c.message, 403);
    auto result = sp::probe::classify_session_failure(failure, shop_context(), "sts.amazonaws.com");
    CHECK(result.verdict == c.verdict);
    CHECK(result.layer == c.layer);
    CHECK_FALSE(result.fix.empty());
  }
}

TEST_CASE("trust fix prints the statement from the token", "[probe]") {
  sp::auth::SessionFailure failure;
  failure.hop.role_arn = "arn:aws:iam::111122223333:role/shop-api-exec";
  failure.hop.web_identity = true;
  failure.error = error("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403);
  failure.claims = sp::auth::TokenClaims{"repo:my-org/my-repo:ref:refs/heads/main",
                                         "https://token.actions.githubusercontent.com", "sts.amazonaws.com"};
  auto result = sp::probe::classify_session_failure(failure, shop_context(), "sts.amazonaws.com");
  CHECK(result.fix ==
        "Add this statement to the trust policy of shop-api-exec: "
        R"({"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},)"
        R"("Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com",)"
        R"("token.actions.githubusercontent.com:sub":"repo:my-org/my-repo:ref:refs/heads/main"}}})");
}

TEST_CASE("missing CI token is identity-unavailable", "[probe]") {
  sp::auth::SessionFailure failure;
  failure.hop.role_arn = "arn:aws:iam::1:role/r";
  failure.token_error = "no CI OIDC token: missing id-token: write permission, or running from a fork";
  auto result = sp::probe::classify_session_failure(failure, shop_context(), "sts.amazonaws.com");
  CHECK(result.verdict == Verdict::kIdentityUnavailable);
  CHECK(result.message ==
        "the CI could not become arn:aws:iam::1:role/r: no CI OIDC token: missing id-token: write "
        "permission, or running from a fork");
}
