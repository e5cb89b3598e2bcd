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
