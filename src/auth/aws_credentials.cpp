#include "auth/aws_credentials.h"

#include <cstdlib>

#include "util/redaction.h"

namespace sp::auth {

std::optional<AwsCredentials> operator_credentials_from_env() {
  const char* key_id = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  if (key_id == nullptr || *key_id == '\0' || secret == nullptr || *secret == '\0')
    return std::nullopt;
  AwsCredentials credentials;
  credentials.access_key_id = key_id;
  redaction::register_value(secret);
  credentials.secret_access_key = SensitiveString(secret);
  const char* token = std::getenv("AWS_SESSION_TOKEN");
  if (token != nullptr && *token != '\0') {
    redaction::register_value(token);
    credentials.session_token = SensitiveString(token);
  }
  return credentials;
}

}  // namespace sp::auth
