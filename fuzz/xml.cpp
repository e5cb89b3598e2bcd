// The XML reader used for STS and IAM responses, entity decoding, and the
// STS credentials reader built on it.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/aws_sts.h"
#include "util/redaction.h"
#include "util/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  std::optional<sp::xml::Element> root = sp::xml::parse(text, &error);
  if (root) {
    (void)root->text_at("Error/Code");
    (void)root->find("AssumeRoleResult/Credentials/SessionToken");
  }
  (void)sp::xml::decode_entities(text);
  (void)sp::auth::parse_credentials(text);
  // parse_credentials() registers what it reads with redaction; drop it so
  // the registry does not grow across inputs.
  sp::redaction::reset_for_tests();
  return 0;
}
