// Diagnostics and progress on stderr, each line prefixed with the program
// name and level, debug lines with their module. All text passes through
// redaction::redact().
#pragma once

#include <string_view>

namespace sp::log {

enum class Level { kDebug, kInfo, kWarning, kError };

void set_level(Level level);
Level level();

void debug(std::string_view module, std::string_view message);
void info(std::string_view message);
void warning(std::string_view message);
void error(std::string_view message);

}  // namespace sp::log
