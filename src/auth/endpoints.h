// Where each AWS service is reached, following the AWS SDKs' endpoint
// configuration: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, else the
// public regional endpoint; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns
// both overrides off.
#pragma once

#include <string>

namespace sp::config {
struct Config;
}

namespace sp::auth {

/// Services the probe calls, by SigV4 signing name.
enum class Service { kSts, kSecretsManager, kSsm, kIam, kKms };

/// SigV4 signing name: "sts", "secretsmanager", "ssm", "iam", "kms".
std::string signing_name(Service service);

/// Returns the endpoint URL (no trailing slash) for `service` in `region`.
/// IAM is global: https://iam.amazonaws.com.
std::string endpoint_url(Service service, const std::string& region);

/// True for an AWS region name such as us-east-1 or us-gov-west-1; only such
/// a name may become part of an endpoint host.
bool is_aws_region(const std::string& region);

/// Returns the region to sign for `service`: IAM always signs us-east-1.
std::string signing_region(Service service, const std::string& region);

/// Returns the default region: AWS_REGION, else AWS_DEFAULT_REGION, else the
/// config file's aws.region (when `config` is set), else "".
std::string default_region(const config::Config* config);

}  // namespace sp::auth
