// The CI's OIDC token, which STS exchanges for the runtime identity. Sources,
// in order: --token-file, --token-env NAME, GitHub Actions' token endpoint
// (ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN), AWS_WEB_IDENTITY_TOKEN_FILE. Every
// token is registered with redaction the moment it is read.
#pragma once

#include <optional>
#include <string>

#include "auth/retry.h"
#include "util/http.h"
#include "util/sensitive.h"

namespace sp::auth {

struct TokenOptions {
  /// File holding the token (other CI systems); re-read on every fetch.
  std::string token_file;
  /// Environment variable holding the token.
  std::string token_env;
  /// Audience requested from GitHub; it must match the IAM OIDC provider's
  /// client id list and the trust policy's `aud` condition.
  std::string audience = "sts.amazonaws.com";
};

struct TokenResult {
  SensitiveString token;
  /// Set when no token could be obtained; says why and what to do.
  std::string error;
  /// True when retrying later could help (a transient endpoint failure).
  bool transient = false;
};

/// Claims read from a JWT payload without checking its signature; used only
/// to print trust statements, never to decide anything.
struct TokenClaims {
  std::string sub;
  std::string iss;
  std::string aud;
};

/// Obtains a CI token. fetch() is safe to call from several threads.
class CiTokenSource {
 public:
  CiTokenSource(http::HttpTransport& transport, TokenOptions options, RetryPolicy retry)
      : transport_(transport), options_(std::move(options)), retry_(std::move(retry)) {}

  /// Returns a fresh token. GitHub tokens live about five minutes, so the
  /// caller fetches again for every exchange instead of keeping one.
  TokenResult fetch();

 private:
  TokenResult fetch_from_github(const std::string& url, const std::string& request_token);

  http::HttpTransport& transport_;
  TokenOptions options_;
  RetryPolicy retry_;
};

/// Decodes the payload claims of `jwt`; nullopt when it is not a JWT.
std::optional<TokenClaims> read_claims(const std::string& jwt);

}  // namespace sp::auth
