// AWS Signature Version 4 for header-signed POST requests, computed with
// OpenSSL rather than CURLOPT_AWS_SIGV4: curl 7.88 takes the date from the
// clock (so a fixed test vector cannot be checked) and signs an unsorted
// query string as it is. The algorithm follows botocore's SigV4Auth.
#pragma once

#include <chrono>
#include <string>

#include "auth/aws_credentials.h"
#include "util/http.h"

namespace sp::auth {

/// The intermediate values of one signature, for tests and debugging. None
/// of them contains the secret key.
struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;
  std::string signature;
};

/// Signs `request` in place: adds X-Amz-Date, X-Amz-Security-Token (for
/// session credentials) and Authorization. Signs the host (with a non-default
/// port, as curl sends it) and every header already on the request except
/// hop-by-hop ones and User-Agent, so set Content-Type and X-Amz-Target first.
/// `region` and `service` form the credential scope.
Signature sign(http::Request& request, const AwsCredentials& credentials, const std::string& region,
               const std::string& service, std::chrono::system_clock::time_point now);

/// Returns the lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Formats `time` as the SigV4 timestamp YYYYMMDDTHHMMSSZ (UTC).
std::string amz_date(std::chrono::system_clock::time_point time);

}  // namespace sp::auth
