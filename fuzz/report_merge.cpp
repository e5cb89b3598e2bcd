// Merging shard reports: the input holds two JSON reports separated by a NUL
// byte, each read as `secret-preflight merge` reads its files, then merged
// with and without --allow-partial. A merged report must render and parse
// again, since merge writes it as the run's report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "report/json_report.h"
#include "report/merge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t separator = text.find('\0');
  if (separator == std::string_view::npos) return 0;
  std::vector<sp::report::ShardReport> reports(2);
  try {
    reports[0] = {"shard-1.json", sp::report::parse_json_report(text.substr(0, separator), "shard-1.json")};
    reports[1] = {"shard-2.json", sp::report::parse_json_report(text.substr(separator + 1), "shard-2.json")};
  } catch (const sp::report::ReportError&) {
    return 0;
  }
  for (bool allow_partial : {false, true}) {
    sp::report::MergeOptions options;
    options.allow_partial = allow_partial;
    sp::report::RunReport merged;
    try {
      merged = sp::report::merge_shard_reports(reports, options);
    } catch (const sp::report::ReportError&) {
      continue;
    }
    std::string rendered = sp::report::render_json_report(merged);
    try {
      (void)sp::report::parse_json_report(rendered, "merged.json");
    } catch (const sp::report::ReportError&) {
      std::abort();
    }
  }
  return 0;
}
