// ARNs: the resolver's parser and role checks, and the probe's helpers that
// cut account and role name out of an ARN for fixes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "probe/aws_errors.h"
#include "resolve/aws/arn.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::optional<sp::resolve::aws::Arn> arn = sp::resolve::aws::parse_arn(text);
  if (arn) {
    // The fields and the five colons between them rebuild the input.
    std::string joined = "arn:" + arn->partition + ":" + arn->service + ":" + arn->region + ":" +
                         arn->account + ":" + arn->resource;
    if (joined != text) std::abort();
  }
  (void)sp::resolve::aws::is_role_arn(text);
  (void)sp::resolve::aws::role_name(text);
  (void)sp::probe::role_name(text);
  (void)sp::probe::arn_account(text);
  sp::SecretTarget secret;
  secret.service = (size % 2) ? "secretsmanager" : "ssm";
  secret.id = text;
  (void)sp::probe::policy_resource(secret);
  return 0;
}
