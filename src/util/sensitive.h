// Tokens and credentials live in Sensitive<T>: reading the value takes an
// explicit call, streaming or formatting it prints a placeholder, and the
// memory is wiped when the value goes away.
#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace sp {

/// Overwrites `text`'s bytes in a way the compiler does not remove.
void wipe(std::string& text);

class SensitiveString {
 public:
  SensitiveString() = default;
  explicit SensitiveString(std::string value) : value_(std::move(value)) {}
  SensitiveString(const SensitiveString&) = default;
  SensitiveString& operator=(const SensitiveString&) = default;
  SensitiveString(SensitiveString&& other) noexcept : value_(std::move(other.value_)) {}
  SensitiveString& operator=(SensitiveString&& other) noexcept {
    if (this != &other) {
      wipe(value_);
      value_ = std::move(other.value_);
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

inline std::ostream& operator<<(std::ostream& out, const SensitiveString&) {
  return out << "[redacted]";
}

}  // namespace sp
