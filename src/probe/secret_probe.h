// The platform's own read of a secret, performed with the runtime
// identity's credentials; the value is checked and discarded, never kept.
#pragma once

#include <string>

#include "auth/aws_credentials.h"
#include "auth/retry.h"
#include "core/model.h"
#include "probe/aws_errors.h"
#include "probe/shared_reads.h"
#include "util/http.h"

namespace sp::probe {

struct ProbeCall {
  http::HttpTransport& transport;
  const auth::AwsCredentials& credentials;
  /// Region of the secret; selects the endpoint and the signature scope.
  std::string region;
  auth::RetryPolicy retry;
  /// Runtime role ARN, named in messages and fixes.
  std::string role_arn;
  /// Other edges' JSON keys to check against the value read; may be null.
  SharedKeys* shared = nullptr;
};

/// Performs `edge.operation` on `edge.secret` as the platform does:
/// secretsmanager:GetSecretValue (SecretId, VersionStage, VersionId),
/// secretsmanager:DescribeSecret, ssm:GetParameters (Names=[name or
/// name:selector], WithDecryption) and ssm:GetParameter. Checks the JSON
/// key when one is named. A parameter under /aws/reference/secretsmanager/
/// is a secret read through SSM, and its denials name the secret. Edges
/// with a `find` go to probe_find(). Operations not probed yet give
/// inconclusive.
Classification probe_secret(const PermissionEdge& edge, const ProbeCall& call,
                            std::optional<ProviderError>& error);

enum class KeyCheck { kPresent, kMissing, kNotJson, kNotObject };

/// Parses `value` as JSON in place, looks for the top-level `key`, then
/// wipes `value`. Parse errors are reported only as kNotJson, so nothing of
/// the value is quoted.
KeyCheck check_json_key(std::string& value, const std::string& key);

/// Returns the key-missing message for a check that did not find `key`:
/// "<subject> returned a <noun> that is not JSON, so it has no key ...", and
/// the like for JSON that is not an object or lacks the key.
std::string key_missing_message(const std::string& subject, const std::string& noun, KeyCheck check,
                                const std::string& key);

}  // namespace sp::probe
