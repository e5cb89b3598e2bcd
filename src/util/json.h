// Small JSON helpers on top of RapidJSON for building request bodies and
// reading fields of parsed documents.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace sp::json {

/// Returns `text` as a JSON string literal, quotes included.
std::string quote(std::string_view text);

/// Returns the string member `name` of `object`, or "" when it is absent or
/// not a string.
std::string string_member(const rapidjson::Value& object, const char* name);

/// Describes a RapidJSON parse error by code and offset only, so the message
/// never quotes the document (which may be a secret value).
std::string describe_parse_error(const rapidjson::Document& document);

}  // namespace sp::json
