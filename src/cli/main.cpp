// secret-preflight entry point. Only this function chooses the exit status.
#include <sys/resource.h>

#include "app/cli.h"

int main(int argc, char** argv) {
  // Secret values pass through this process's memory during probes, so no
  // core dump may ever hold them.
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  return sp::app::run(argc, argv);
}
