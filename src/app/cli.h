#pragma once

namespace sp::app {

/// Parses the command line and runs `check`, `plan` or `merge`. Returns the
/// exit status: 0 when every edge meets the gate, 1 when an edge fails it,
/// 2 for usage, config or input errors.
int run(int argc, char** argv);

}  // namespace sp::app
