// Tokens and credentials live in SensitiveString: reading the value takes an
// explicit call, streaming it prints a placeholder, and the memory is wiped
// when the value goes away.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <utility>

namespace sp {

/// Overwrites `size` bytes at `data` with zeros through a volatile pointer,
/// so the compiler cannot drop the stores as dead.
void wipe(char* data, size_t size);

/// Overwrites every byte of `text`'s buffer, up to its capacity, then clears
/// it. The capacity covers what earlier, longer contents left behind.
void wipe(std::string& text);

class SensitiveString {
 public:
  SensitiveString() = default;
  explicit SensitiveString(std::string value) : value_(std::move(value)) {}
  SensitiveString(const SensitiveString&) = default;
  SensitiveString& operator=(const SensitiveString& other) {
    if (this != &other) {
      wipe(value_);
      value_ = other.value_;
    }
    return *this;
  }
  // A short string lives inside the object, and moving it copies the bytes,
  // so the source is wiped after every move.
  SensitiveString(SensitiveString&& other) noexcept : value_(std::move(other.value_)) {
    wipe(other.value_);
  }
  SensitiveString& operator=(SensitiveString&& other) noexcept {
    if (this != &other) {
      wipe(value_);
      value_ = std::move(other.value_);
      wipe(other.value_);
    }
    return *this;
  }
  ~SensitiveString() { wipe(value_); }

  /// The raw value, for the one place that must send it (a request body or
  /// header). Never pass the result to a logger or reporter.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

/// Always writes the placeholder "[redacted]", never the value.
inline std::ostream& operator<<(std::ostream& out, const SensitiveString&) {
  return out << "[redacted]";
}

}  // namespace sp
