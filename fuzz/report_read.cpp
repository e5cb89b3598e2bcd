// The JSON report reader, the input of `merge`. A report that parses must
// render and parse again, since merge writes what it read.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "report/json_report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sp::report::RunReport run;
  try {
    run = sp::report::parse_json_report(text, "fuzz.json");
  } catch (const sp::report::ReportError&) {
    return 0;
  }
  std::string rendered = sp::report::render_json_report(run);
  try {
    (void)sp::report::parse_json_report(rendered, "rendered.json");
  } catch (const sp::report::ReportError&) {
    std::abort();
  }
  return 0;
}
