// A small XML reader for the flat documents AWS query-protocol services
// return (STS and IAM responses and their ErrorResponse envelopes). It
// builds an element tree, decodes entities and CDATA, and ignores namespaces,
// attributes, comments and processing instructions. No DTDs.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sp::xml {

struct Element {
  /// Local name, without any namespace prefix.
  std::string name;
  /// Decoded character data directly inside this element.
  std::string text;
  std::vector<Element> children;

  /// Returns the first child named `name`, or nullptr.
  const Element* child(std::string_view name) const;
  /// Follows a '/'-separated path of child names, e.g. "Error/Code".
  const Element* find(std::string_view path) const;
  /// Returns the text at `path`, or "" when the path does not exist.
  std::string text_at(std::string_view path) const;
};

/// Parses `document`. Returns nullopt, with a reason in `error` that never
/// quotes document content, when it is not well-formed.
std::optional<Element> parse(std::string_view document, std::string* error = nullptr);

/// Decodes the five predefined entities and numeric character references.
std::string decode_entities(std::string_view text);

}  // namespace sp::xml
