#include "util/base64.h"

namespace sp::base64 {

std::optional<size_t> decode_in_place(char* data, size_t length) {
  size_t out = 0;
  unsigned buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < length; ++i) {
    char c = data[i];
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+' || c == '-') value = 62;
    else if (c == '/' || c == '_') value = 63;
    else if (c == '=' || c == '\n' || c == '\r') continue;
    else return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      data[out++] = static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::optional<std::string> decode(std::string_view text) {
  std::string out(text);
  std::optional<size_t> length = decode_in_place(out.data(), out.size());
  if (!length) return std::nullopt;
  out.resize(*length);
  return out;
}

}  // namespace sp::base64
