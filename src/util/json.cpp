#include "util/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sp::json {

std::string quote(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string string_member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto member = object.FindMember(name);
  if (member == object.MemberEnd() || !member->value.IsString()) return "";
  return std::string(member->value.GetString(), member->value.GetStringLength());
}

std::string describe_parse_error(const rapidjson::Document& document) {
  return std::string(rapidjson::GetParseError_En(document.GetParseError())) + " (offset " +
         std::to_string(document.GetErrorOffset()) + ")";
}

}  // namespace sp::json
