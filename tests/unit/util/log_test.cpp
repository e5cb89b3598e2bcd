#include "util/log.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

namespace {

// Captures what the logger writes to std::cerr while it lives.
class CapturedStderr {
 public:
  CapturedStderr() : previous_(std::cerr.rdbuf(buffer_.rdbuf())) {}
  ~CapturedStderr() { std::cerr.rdbuf(previous_); }
  std::string text() const { return buffer_.str(); }

 private:
  std::ostringstream buffer_;
  std::streambuf* previous_;
};

}  // namespace

TEST_CASE("log escapes control characters", "[util]") {
  ::setenv("GITHUB_ACTIONS", "true", 1);
  CapturedStderr captured;
  sp::log::warning("retrying for /shop/p\n::add-mask::z\x1b[31m");
  CHECK(captured.text() ==
        "secret-preflight: warning: retrying for /shop/p\\x0a::add-mask::z\\x1b[31m\n");
}

TEST_CASE("log fences legacy commands", "[util]") {
  ::setenv("GITHUB_ACTIONS", "true", 1);
  CapturedStderr captured;
  sp::log::error("secret ##[error]x");
  std::string text = captured.text();
  REQUIRE(text.starts_with("::stop-commands::"));
  std::string token = text.substr(17, 32);
  CHECK(text == "::stop-commands::" + token + "\nsecret-preflight: error: secret ##[error]x\n::" +
                    token + "::\n");
}

TEST_CASE("log stop-commands tokens are fresh", "[util]") {
  ::setenv("GITHUB_ACTIONS", "true", 1);
  CapturedStderr captured;
  sp::log::error("first ##[error]x");
  sp::log::error("second ##[error]y");
  std::string text = captured.text();
  std::string first = text.substr(17, 32);
  size_t second_at = text.find("::stop-commands::", 17);
  REQUIRE(second_at != std::string::npos);
  std::string second = text.substr(second_at + 17, 32);
  CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(second.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(first != second);
}
