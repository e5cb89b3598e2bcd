#include "resolve/aws/arn.h"

#include <regex>

#include "util/regex.h"

namespace sp::resolve::aws {

std::optional<Arn> parse_arn(std::string_view text) {
  if (!text.starts_with("arn:")) return std::nullopt;
  std::string fields[5];
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    fields[i] = std::string(text.substr(start, colon - start));
    start = colon + 1;
  }
  return Arn{fields[1], fields[2], fields[3], fields[4], std::string(text.substr(start))};
}

bool is_role_arn(std::string_view text) {
  static const std::regex pattern(R"(^arn:aws[a-z0-9-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$)");
  return util::regex_full_match(text, pattern);
}

std::string role_name(std::string_view role_arn) {
  size_t slash = role_arn.rfind('/');
  return std::string(slash == std::string_view::npos ? role_arn : role_arn.substr(slash + 1));
}

}  // namespace sp::resolve::aws
