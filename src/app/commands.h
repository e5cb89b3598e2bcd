#pragma once

#include "app/options.h"

namespace sp::app {

/// Runs the whole pipeline: load, resolve, plan, authenticate, probe, report.
/// Returns the exit status.
int run_check(const Options& options);

/// Loads and resolves the manifests and prints the plan. Uses no credentials
/// and no network. Returns 0, or 2 when an input error remains.
int run_plan(const Options& options);

/// Reads the shard reports named in `options.paths` (files, or folders
/// searched recursively for .json files), merges them, applies the gate and
/// publishes the result through every channel `check` uses. Returns the exit
/// status as `check` would, or 2 when a report is missing, unreadable, not a
/// shard report, or from another plan.
int run_merge(const Options& options);

}  // namespace sp::app
