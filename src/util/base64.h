// Base64 decoding for JWT segments (base64url, unpadded) and standard base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sp::base64 {

/// Decodes standard or URL-safe base64, with or without padding. Returns
/// nullopt on a character outside both alphabets.
std::optional<std::string> decode(std::string_view text);

}  // namespace sp::base64
