// Amazon Resource Names: arn:partition:service:region:account:resource.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sp::resolve::aws {

struct Arn {
  std::string partition;
  std::string service;
  std::string region;
  std::string account;
  /// Everything after the fifth colon, colons included.
  std::string resource;
};

/// Splits `text` into its fields, or returns nullopt when it does not start
/// with `arn:` or has fewer than six fields.
std::optional<Arn> parse_arn(std::string_view text);

/// True for an IAM role ARN as the EKS pod identity webhook accepts it:
/// `arn:aws[-partition]:iam::<12 digits>:role/<path and name>`.
bool is_role_arn(std::string_view text);

/// Returns the short name after the last `/` of a role ARN.
std::string role_name(std::string_view role_arn);

}  // namespace sp::resolve::aws
