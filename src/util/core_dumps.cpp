#include "util/core_dumps.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

namespace sp {

std::string disable_core_dumps() {
  std::string failures;
  struct rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0)
    failures = std::string("setrlimit(RLIMIT_CORE, 0) failed: ") + std::strerror(errno);
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    if (!failures.empty()) failures += "; ";
    failures += std::string("prctl(PR_SET_DUMPABLE, 0) failed: ") + std::strerror(errno);
  }
  return failures;
}

}  // namespace sp
