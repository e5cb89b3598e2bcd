// Shell-style `*` matching for ARNs, secret ids and file paths in the
// config file.
#pragma once

#include <string_view>

namespace sp::util {

/// True when `text` matches `pattern`, where `*` matches any run of
/// characters (including `/` and `:`) and every other character matches
/// itself.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace sp::util
