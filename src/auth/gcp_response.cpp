#include "auth/gcp_response.h"

#include <rapidjson/document.h>

#include "util/json.h"

namespace sp::auth {

ProviderError parse_google_error(const http::Response& response) {
  ProviderError error;
  error.http_status = response.status;
  if (response.status == 0) {
    error.message = response.timed_out ? "timed out: " + response.transport_error : response.transport_error;
    return error;
  }
  rapidjson::Document document;
  document.Parse(response.body.data(), response.body.size());
  if (document.HasParseError() || !document.IsObject()) return error;
  auto found = document.FindMember("error");
  if (found == document.MemberEnd()) return error;
  if (found->value.IsObject()) {
    error.code = json::string_member(found->value, "status");
    error.message = json::string_member(found->value, "message");
  } else if (found->value.IsString()) {
    error.code = found->value.GetString();
    error.message = json::string_member(document, "error_description");
  }
  return error;
}

std::string google_error_reason(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError() || !document.IsObject()) return "";
  auto error = document.FindMember("error");
  if (error == document.MemberEnd() || !error->value.IsObject()) return "";
  auto details = error->value.FindMember("details");
  if (details == error->value.MemberEnd() || !details->value.IsArray()) return "";
  for (const auto& detail : details->value.GetArray())
    if (json::string_member(detail, "@type") == "type.googleapis.com/google.rpc.ErrorInfo")
      return json::string_member(detail, "reason");
  return "";
}

}  // namespace sp::auth
