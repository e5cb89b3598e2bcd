// Workflow-command formatting and protection of untrusted text in the log.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "report/github.h"
#include "util/redaction.h"

namespace sp::report::github {

bool running_in_github_actions() {
  const char* value = std::getenv("GITHUB_ACTIONS");
  return value != nullptr && std::strcmp(value, "true") == 0;
}

std::string escape_data(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string escape_property(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : escape_data(text)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

std::string format_command(std::string_view command,
                           const std::vector<std::pair<std::string, std::string>>& properties,
                           std::string_view data) {
  std::string line = "::" + std::string(command);
  bool first = true;
  for (const auto& [name, value] : properties) {
    if (value.empty()) continue;
    line += first ? " " : ",";
    line += name + "=" + escape_property(value);
    first = false;
  }
  return line + "::" + escape_data(data);
}

std::string escape_legacy_commands_in_json(std::string json) {
  for (size_t at = json.find("##["); at != std::string::npos; at = json.find("##[", at + 8))
    json.replace(at + 2, 1, "\\u005b");
  return json;
}

std::string random_token() {
  std::random_device device;
  std::string token;
  char hex[9];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(hex, sizeof hex, "%08x", device());
    token += hex;
  }
  return token;
}

void write_untrusted(std::ostream& out, std::string_view text) {
  std::string redacted = redaction::redact(text);
  if (!redacted.empty() && redacted.back() != '\n') redacted += '\n';
  // The runner reads `::` at a line start as a command and `##[` anywhere as
  // the legacy form; stop-commands suspends both until the token line.
  bool could_run_command = redacted.find("::") != std::string::npos ||
                           redacted.find("##[") != std::string::npos;
  if (!could_run_command) {
    out << redacted;
    return;
  }
  std::string token = random_token();
  out << "::stop-commands::" << token << '\n' << redacted << "::" << token << "::\n";
}

}  // namespace sp::report::github
