// Base64 decoding for JWT segments (base64url, unpadded) and standard base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sp::base64 {

/// Decodes standard or URL-safe base64, with or without padding. Returns
/// nullopt on a character outside both alphabets.
std::optional<std::string> decode(std::string_view text);

/// Decodes standard or URL-safe base64 over `data` itself, so a secret
/// payload never exists in a second buffer. Returns the decoded length (never
/// more than `length`), or nullopt on a character outside both alphabets.
std::optional<size_t> decode_in_place(char* data, size_t length);

}  // namespace sp::base64
