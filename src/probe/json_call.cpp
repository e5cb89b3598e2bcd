#include "probe/json_call.h"

#include <chrono>

#include "auth/aws_response.h"
#include "auth/sigv4.h"

namespace sp::probe {

auth::RetryOutcome call_json(const ProbeCall& call, auth::Service service, const std::string& target,
                             const std::string& body, const std::string& operation,
                             const std::string& target_name) {
  return auth::run_with_retries(call.retry, operation, target_name, [&] {
    http::Request request;
    request.url = auth::endpoint_url(service, call.region) + "/";
    request.headers = {{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", target}};
    request.body = body;
    request.timeout = auth::attempt_timeout(call.retry);
    auth::sign(request, call.credentials, auth::signing_region(service, call.region),
               auth::signing_name(service), std::chrono::system_clock::now());
    auth::Attempt attempt;
    attempt.response = call.transport.perform(request);
    if (!attempt.response.ok()) attempt.error = auth::parse_aws_error(attempt.response);
    return attempt;
  });
}

}  // namespace sp::probe
