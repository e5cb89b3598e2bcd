#include "auth/azure_response.h"

#include <rapidjson/document.h>

#include "util/json.h"

namespace sp::auth {
namespace {

ProviderError transport_failure(const http::Response& response) {
  ProviderError error;
  error.message = response.timed_out ? "timed out: " + response.transport_error : response.transport_error;
  return error;
}

// Cuts the " Trace ID: ... Correlation ID: ... Timestamp: ..." tail that
// Entra ID appends to every description, and the line breaks of older ones.
std::string shorten_description(std::string text) {
  auto trace = text.find("Trace ID:");
  if (trace != std::string::npos) text.erase(trace);
  for (char& c : text)
    if (c == '\r' || c == '\n') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

ProviderError parse_entra_error(const http::Response& response) {
  if (response.status == 0) return transport_failure(response);
  ProviderError error;
  error.http_status = response.status;
  rapidjson::Document document;
  document.Parse(response.body.data(), response.body.size());
  if (document.HasParseError() || !document.IsObject()) return error;
  error.code = json::string_member(document, "error");
  error.message = shorten_description(json::string_member(document, "error_description"));
  error.request_id = json::string_member(document, "trace_id");
  auto codes = document.FindMember("error_codes");
  if (codes != document.MemberEnd() && codes->value.IsArray() && !codes->value.Empty() &&
      codes->value[0].IsInt64())
    error.code = "AADSTS" + std::to_string(codes->value[0].GetInt64());
  return error;
}

long aadsts_number(const ProviderError& error) {
  if (!error.code.starts_with("AADSTS")) return 0;
  try {
    return std::stol(error.code.substr(6));
  } catch (const std::exception&) {
    return 0;
  }
}

ProviderError parse_keyvault_error(const http::Response& response) {
  if (response.status == 0) return transport_failure(response);
  ProviderError error;
  error.http_status = response.status;
  error.request_id = response.header("x-ms-request-id");
  rapidjson::Document document;
  document.Parse(response.body.data(), response.body.size());
  if (document.HasParseError() || !document.IsObject()) return error;
  auto found = document.FindMember("error");
  if (found == document.MemberEnd() || !found->value.IsObject()) return error;
  error.code = json::string_member(found->value, "code");
  error.message = json::string_member(found->value, "message");
  return error;
}

std::string keyvault_inner_code(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError() || !document.IsObject()) return "";
  auto error = document.FindMember("error");
  if (error == document.MemberEnd() || !error->value.IsObject()) return "";
  // innererror is itself an Error and may nest; the deepest code is the most specific.
  std::string code;
  const rapidjson::Value* current = &error->value;
  for (int depth = 0; depth < 8; ++depth) {
    auto inner = current->FindMember("innererror");
    if (inner == current->MemberEnd()) inner = current->FindMember("innerError");
    if (inner == current->MemberEnd() || !inner->value.IsObject()) break;
    std::string next = json::string_member(inner->value, "code");
    if (!next.empty()) code = next;
    current = &inner->value;
  }
  return code;
}

}  // namespace sp::auth
