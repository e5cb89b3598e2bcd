// JWT payload claims and base64, as the CI token's claims are read to name
// the trust statement a fix needs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "auth/ci_token.h"
#include "auth/gcp_tokens.h"
#include "util/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)sp::auth::read_claims(text);
  (void)sp::auth::repository_claim(text);
  std::optional<std::string> decoded = sp::base64::decode(text);
  std::string copy = text;
  std::optional<size_t> length = sp::base64::decode_in_place(copy.data(), copy.size());
  // Both decoders accept the same inputs and produce the same bytes.
  if (decoded.has_value() != length.has_value()) std::abort();
  if (decoded && copy.substr(0, *length) != *decoded) std::abort();
  return 0;
}
