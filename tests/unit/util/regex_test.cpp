#include "util/regex.h"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("regex helpers match short text", "[util]") {
  const std::regex pattern("[a-z]+-[0-9]+");
  CHECK(sp::util::regex_full_match("east-1", pattern));
  CHECK_FALSE(sp::util::regex_full_match("east-1x", pattern));
  CHECK(sp::util::regex_find("in east-1 now", pattern) == "east-1");
  CHECK(sp::util::regex_find("no match", pattern).empty());
}

TEST_CASE("regex helpers reject text over the bound", "[util]") {
  const std::regex pattern("[a-z]+");
  std::string at_bound(sp::util::kMaxRegexInput, 'a');
  CHECK(sp::util::regex_full_match(at_bound, pattern));
  // Without the bound, libstdc++ recurses once per character and this
  // overflows the stack.
  std::string long_text(1'000'000, 'a');
  CHECK_FALSE(sp::util::regex_full_match(long_text, pattern));
  CHECK(sp::util::regex_find(long_text, pattern).empty());
}
