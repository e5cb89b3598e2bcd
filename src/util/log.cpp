#include "util/log.h"

#include <atomic>
#include <cstdlib>
#include <random>
#include <iostream>
#include <mutex>
#include <string>

#include "util/redaction.h"
#include "util/text.h"

namespace sp::log {
namespace {

std::atomic<Level> current_level{Level::kInfo};
std::mutex output_mutex;

bool in_github_actions() {
  static const bool actions = [] {
    const char* value = std::getenv("GITHUB_ACTIONS");
    return value != nullptr && std::string_view(value) == "true";
  }();
  return actions;
}

// The runner reads `##[command]` anywhere in a line, so such a line goes out
// between stop-commands markers with a fresh random token. Each token takes
// 128 bits from std::random_device, because a generator seeded once with 32
// bits would make every later token in the run follow from the first.
std::string stop_commands_token() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::string token;
  for (int i = 0; i < 4; ++i) {
    unsigned int bits = device();
    for (int nibble = 0; nibble < 8; ++nibble, bits >>= 4) token += kHex[bits & 0xf];
  }
  return token;
}

// Log text often quotes manifests and provider errors, which a pull request
// controls, so control characters are escaped: a newline cannot start a
// workflow command and an escape sequence cannot drive the terminal.
void write(std::string_view prefix, std::string_view message) {
  std::string line = "secret-preflight: " + std::string(prefix) +
                     text::escape_controls(redaction::redact(message));
  std::lock_guard lock(output_mutex);
  if (in_github_actions() && line.find("##[") != std::string::npos) {
    std::string token = stop_commands_token();
    std::cerr << "::stop-commands::" << token << '\n' << line << "\n::" << token << "::\n";
    return;
  }
  std::cerr << line << '\n';
}

}  // namespace

void set_level(Level level) { current_level = level; }
Level level() { return current_level; }

void debug(std::string_view module, std::string_view message) {
  if (current_level > Level::kDebug) return;
  write("debug: " + std::string(module) + ": ", message);
}

void info(std::string_view message) {
  if (current_level > Level::kInfo) return;
  write("", message);
}

void warning(std::string_view message) {
  if (current_level > Level::kWarning) return;
  write("warning: ", message);
}

void error(std::string_view message) { write("error: ", message); }

}  // namespace sp::log
