#pragma once

#include "app/options.h"

namespace sp::app {

/// Runs the whole pipeline: load, resolve, plan, authenticate, probe, report.
/// Returns the exit status.
int run_check(const Options& options);

/// Loads and resolves the manifests and prints the plan. Uses no credentials
/// and no network. Returns 0, or 2 when an input error remains.
int run_plan(const Options& options);

}  // namespace sp::app
