// One signed call to an AWS JSON 1.1 service (Secrets Manager, SSM), with
// the run's retries, as every probe makes it.
#pragma once

#include <string>

#include "auth/endpoints.h"
#include "auth/retry.h"
#include "probe/secret_probe.h"

namespace sp::probe {

/// Sends POST / with `X-Amz-Target: target` and `body`, signed for `service`
/// in the call's region. `operation` and `target_name` name the call in retry logs.
auth::RetryOutcome call_json(const ProbeCall& call, auth::Service service, const std::string& target,
                             const std::string& body, const std::string& operation,
                             const std::string& target_name);

}  // namespace sp::probe
