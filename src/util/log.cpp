#include "util/log.h"

#include <atomic>
#include <iostream>
#include <mutex>
#include <string>

#include "util/redaction.h"

namespace sp::log {
namespace {

std::atomic<Level> current_level{Level::kInfo};
std::mutex output_mutex;

void write(std::string_view prefix, std::string_view message) {
  std::string line = redaction::redact(message);
  std::lock_guard lock(output_mutex);
  std::cerr << "secret-preflight: " << prefix << line << '\n';
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
