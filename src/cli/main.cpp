// secret-preflight entry point. Only this function chooses the exit status.
#include <string>

#include "app/cli.h"
#include "util/core_dumps.h"
#include "util/log.h"

int main(int argc, char** argv) {
  // Secret values pass through this process's memory during probes, so no
  // core dump may ever hold them.
  std::string failure = sp::disable_core_dumps();
  if (!failure.empty()) sp::log::warning("disabling core dumps failed: " + failure);
  return sp::app::run(argc, argv);
}
