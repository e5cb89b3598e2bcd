#include "resolve/placeholder.h"

#include <array>
#include <regex>

#include "resolve/aws/arn.h"
#include "util/regex.h"

namespace sp::resolve {
namespace {

// Ordered from the most specific form to the loosest, so the reported text
// is the whole placeholder (`${X}` rather than `$X`).
const std::array<std::regex, 10> kPlaceholderPatterns = {
    std::regex(R"(\{\{.*?\}\})"),                   // Helm, ecspresso, Jinja expressions
    std::regex(R"(\{%.*?%\})"),                     // Jinja statements
    std::regex(R"(\$\{[^}]*\})"),                   // ${VAR}
    std::regex(R"(\$\([A-Za-z_][A-Za-z0-9_]*\))"),  // Kubernetes $(VAR)
    std::regex(R"(\$+[A-Za-z_][A-Za-z0-9_]*\$*)"),  // $VAR and the ECS agent's $$$NAME$$$
    std::regex(R"(\\\([^)]*\))"),                   // jq \(env.X)
    std::regex(R"(__[A-Z][A-Z0-9_]*__)"),           // sed tokens
    std::regex(R"(<[A-Za-z][A-Za-z0-9_ .-]*>)"),    // <REGION>
    std::regex(R"(\[[A-Z][A-Z0-9_]*\])"),           // [PROJECT_ID]
    std::regex(R"(your[-_][A-Za-z0-9-]+|REPLACE_?ME|CHANGE_?ME|replace[-_]?me|changeme)",
               std::regex::icase),
};

const std::regex kRegionPattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$");
const std::regex kAccountPattern("^([0-9]{12}|aws)?$");

}  // namespace

// NOTE: a value longer than util::kMaxRegexInput is never reported as a
// placeholder. No secret name or ARN that long is valid, so the read fails.
std::string find_placeholder(std::string_view value) {
  std::string text(value);
  for (const auto& pattern : kPlaceholderPatterns) {
    std::string found = util::regex_find(text, pattern);
    if (!found.empty()) return found;
  }
  if (auto arn = aws::parse_arn(text)) {
    // Documentation copies keep the words `region` and `account` in place.
    if (!arn->region.empty() && !util::regex_full_match(arn->region, kRegionPattern)) return arn->region;
    if (!util::regex_full_match(arn->account, kAccountPattern)) return arn->account;
  }
  return "";
}

}  // namespace sp::resolve
