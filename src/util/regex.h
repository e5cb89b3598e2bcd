// std::regex matching with an input length bound. libstdc++'s regex executor
// recurses at least once per input character (GCC bug 86164), so a long
// manifest value overflows the stack: a 50,000-character IAM role ARN
// crashed the release build. Manifests and config files are untrusted input,
// so the patterns with unbounded repetition that check their values go
// through these functions.
#pragma once

#include <cstddef>
#include <regex>
#include <string>
#include <string_view>

namespace sp::util {

/// Maximum input length the functions below match. It is above every name
/// and identifier they check (an IAM role ARN is at most 2,048 characters)
/// and far below the length that overflows an 8 MiB stack: the role ARN
/// pattern passed 20,000 characters and overflowed at 50,000 in the clang
/// ASan build of fuzz/.
inline constexpr size_t kMaxRegexInput = 4096;

/// True when all of `text` matches `pattern`; false for text longer than
/// kMaxRegexInput.
bool regex_full_match(std::string_view text, const std::regex& pattern);

/// Finds the first match of `pattern` in `text` and returns it, or "" when
/// there is none or `text` is longer than kMaxRegexInput.
std::string regex_find(std::string_view text, const std::regex& pattern);

}  // namespace sp::util
