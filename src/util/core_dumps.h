// Keeps secret values that pass through the process out of core dumps.
#pragma once

#include <string>

namespace sp {

/// Sets RLIMIT_CORE to 0 (soft and hard) and clears the dumpable flag with
/// prctl(PR_SET_DUMPABLE, 0), which also stops other processes of the same
/// user from attaching with ptrace or reading /proc/<pid>/mem. Returns an
/// empty string on success, or the failed call and its errno text.
std::string disable_core_dumps();

}  // namespace sp
