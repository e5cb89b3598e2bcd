// The plan: the resolved permission edges in report order, without repeats.
#pragma once

#include <vector>

#include "core/model.h"

namespace sp::plan {

/// Sorts `edges` by reference file, line and column, then operation, and
/// drops exact duplicates: edges with the same reference location, runtime
/// identity (principal, mechanism, roles assumed before, ServiceAccount,
/// session policy), secret, operation and unresolved reason. Two workloads
/// that mount one SecretProviderClass with the same ServiceAccount give one
/// edge. Order among equal keys is kept, so the result is deterministic.
std::vector<PermissionEdge> build_plan(std::vector<PermissionEdge> edges);

}  // namespace sp::plan
