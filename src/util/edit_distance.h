// Levenshtein distance and "did you mean" suggestions for unknown names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sp::util {

/// Returns the number of single-character insertions, deletions and
/// substitutions that turn `from` into `to`.
int edit_distance(std::string_view from, std::string_view to);

/// Returns the candidate closest to `name`, or empty when none is within 3
/// edits and shorter than `name` itself (so "x" never suggests "region").
std::string closest_match(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace sp::util
