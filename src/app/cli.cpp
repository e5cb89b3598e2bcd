#include "app/cli.h"

#include <iostream>

namespace sp::app {

int run(int, char**) {
  // TODO: commands land with the pipeline stages.
  std::cerr << "secret-preflight: error: not built yet\n";
  return 2;
}

}  // namespace sp::app
