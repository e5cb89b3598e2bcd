#include "util/redaction.h"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <vector>

#include "util/sensitive.h"

namespace sp::redaction {
namespace {

constexpr size_t kMinReplaceLength = 6;

struct Registry {
  std::mutex mutex;
  std::vector<std::string> values;
  std::optional<bool> emit_masks;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

bool should_emit_masks(Registry& reg) {
  if (!reg.emit_masks) {
    const char* actions = std::getenv("GITHUB_ACTIONS");
    reg.emit_masks = actions != nullptr && std::strcmp(actions, "true") == 0;
  }
  return *reg.emit_masks;
}

// A mask command must stay on one line; the runner masks an escaped
// multi-line value as a whole and line by line.
std::string escape_mask_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

}  // namespace

void register_value(std::string_view value) {
  if (value.empty()) return;
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  for (const auto& known : reg.values)
    if (known == value) return;
  reg.values.emplace_back(value);
  if (should_emit_masks(reg)) std::cout << "::add-mask::" << escape_mask_value(value) << std::endl;
}

std::string redact(std::string_view text) {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  std::string out(text);
  for (const auto& value : reg.values) {
    if (value.size() < kMinReplaceLength) continue;
    for (size_t at = out.find(value); at != std::string::npos; at = out.find(value, at + 3))
      out.replace(at, value.size(), "***");
  }
  return out;
}

bool contains_registered(std::string_view text) {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  for (const auto& value : reg.values)
    if (value.size() >= kMinReplaceLength && text.find(value) != std::string_view::npos)
      return true;
  return false;
}

void reset_for_tests() {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  for (auto& value : reg.values) wipe(value);
  reg.values.clear();
}

void set_emit_masks(bool emit) {
  Registry& reg = registry();
  std::lock_guard lock(reg.mutex);
  reg.emit_masks = emit;
}

}  // namespace sp::redaction
