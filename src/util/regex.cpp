#include "util/regex.h"

namespace sp::util {

bool regex_full_match(std::string_view text, const std::regex& pattern) {
  if (text.size() > kMaxRegexInput) return false;
  return std::regex_match(text.begin(), text.end(), pattern);
}

std::string regex_find(std::string_view text, const std::regex& pattern) {
  if (text.size() > kMaxRegexInput) return "";
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_search(text.begin(), text.end(), match, pattern)) return "";
  return match.str();
}

}  // namespace sp::util
