#include "util/edit_distance.h"

#include <algorithm>

namespace sp::util {

int edit_distance(std::string_view from, std::string_view to) {
  std::vector<int> previous(to.size() + 1);
  std::vector<int> current(to.size() + 1);
  for (size_t j = 0; j <= to.size(); ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= from.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= to.size(); ++j) {
      int substitution = previous[j - 1] + (from[i - 1] == to[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[to.size()];
}

std::string closest_match(std::string_view name, const std::vector<std::string>& candidates) {
  constexpr int kMaxDistance = 3;
  std::string best;
  int best_distance = kMaxDistance + 1;
  for (const auto& candidate : candidates) {
    int distance = edit_distance(name, candidate);
    if (distance < best_distance && distance < static_cast<int>(name.size())) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace sp::util
