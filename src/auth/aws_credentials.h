// AWS credentials as the probe holds them: the key id in the clear (it is an
// identifier, not a secret, and appears in signed requests), the secret key
// and session token in SensitiveString and registered with redaction.
#pragma once

#include <optional>
#include <string>

#include "util/sensitive.h"

namespace sp::auth {

struct AwsCredentials {
  std::string access_key_id;
  SensitiveString secret_access_key;
  /// Empty for long-term keys.
  SensitiveString session_token;
  /// ISO-8601 expiry from STS; empty for long-term keys.
  std::string expiration;
};

/// Reads operator credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
/// the optional AWS_SESSION_TOKEN, and registers the secret parts with
/// redaction. Returns nullopt when the key id or secret key is missing.
std::optional<AwsCredentials> operator_credentials_from_env();

}  // namespace sp::auth
