// SensitiveString prints only a placeholder, wipe() overwrites whole buffers,
// and disable_core_dumps() leaves the process without core dumps.
#include "util/sensitive.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <array>
#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "util/core_dumps.h"

namespace {

const std::string kCanary = "CANARY-sensitive-9d41c07e";

// Returns true when bytes [0, size) at `data` are all zero.
bool all_zero(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i)
    if (data[i] != 0) return false;
  return true;
}

}  // namespace

// A conversion to std::string or an operator+ would let the value reach a
// message without reveal(), so neither may exist.
static_assert(!std::is_convertible_v<sp::SensitiveString, std::string>);
static_assert(!std::is_convertible_v<sp::SensitiveString, std::string_view>);
static_assert(!std::is_convertible_v<sp::SensitiveString, const char*>);
template <typename T>
concept ConcatenatesWithString = requires(std::string text, T value) { text + value; };
static_assert(ConcatenatesWithString<std::string>);
static_assert(!ConcatenatesWithString<sp::SensitiveString>);

TEST_CASE("sensitive string streams a placeholder", "[util]") {
  sp::SensitiveString token(kCanary);
  std::ostringstream out;
  out << "token=" << token;
  CHECK(out.str() == "token=[redacted]");
  CHECK(token.reveal() == kCanary);
}

TEST_CASE("sensitive string in exception message", "[util]") {
  sp::SensitiveString token(kCanary);
  std::ostringstream message;
  message << "token exchange failed for " << token;
  std::runtime_error error(message.str());
  std::string what = error.what();
  CHECK(what == "token exchange failed for [redacted]");
  CHECK(what.find(kCanary) == std::string::npos);
}

TEST_CASE("wipe zeroes a byte range", "[util]") {
  std::array<char, 16> buffer;
  buffer.fill('x');
  sp::wipe(buffer.data(), 10);
  CHECK(all_zero(buffer.data(), 10));
  CHECK(buffer[10] == 'x');
  CHECK(buffer[15] == 'x');
}

TEST_CASE("wipe zeroes the string's whole buffer", "[util]") {
  std::string text(200, 'v');
  text.resize(40);  // bytes 40 to 199 keep 'v' in the same allocation
  const char* data = text.data();
  size_t capacity = text.capacity();
  REQUIRE(capacity >= 200);

  sp::wipe(text);

  CHECK(text.empty());
  // The buffer is still the string's own allocation, so reading it up to the
  // capacity reads memory the string owns.
  REQUIRE(text.data() == data);
  REQUIRE(text.capacity() == capacity);
  CHECK(all_zero(data, capacity));
}

TEST_CASE("moved-from sensitive string is wiped", "[util]") {
  // Short enough to sit in the string object itself, where a move copies
  // the bytes instead of handing over a pointer.
  const std::string kShort = "CANARY-s-1";
  sp::SensitiveString source(kShort);
  const char* inline_bytes = source.reveal().data();
  size_t capacity = source.reveal().capacity();
  REQUIRE(kShort.size() <= capacity);

  sp::SensitiveString target(std::move(source));

  CHECK(target.reveal() == kShort);
  REQUIRE(source.reveal().data() == inline_bytes);
  CHECK(all_zero(inline_bytes, capacity));
}

TEST_CASE("core dumps are disabled", "[util]") {
  CHECK(sp::disable_core_dumps() == "");
  struct rlimit limit = {};
  REQUIRE(getrlimit(RLIMIT_CORE, &limit) == 0);
  CHECK(limit.rlim_cur == 0);
  CHECK(limit.rlim_max == 0);
  CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
}
