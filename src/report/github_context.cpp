#include "report/github_context.h"

#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/json.h"
#include "util/redaction.h"

namespace sp::report::github {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

// Reads the pull request fields of a pull_request or pull_request_target
// payload (github-action.md's event table: number, head.sha, head.repo and
// base.repo full names).
void read_pull_request(const rapidjson::Value& payload, EventContext& context) {
  const rapidjson::Value* pull = member(payload, "pull_request");
  if (pull == nullptr || !pull->IsObject()) return;
  const rapidjson::Value* number = member(*pull, "number");
  if (number != nullptr && number->IsInt()) context.pull_request = number->GetInt();
  const rapidjson::Value* head = member(*pull, "head");
  const rapidjson::Value* base = member(*pull, "base");
  if (head != nullptr) {
    context.head_sha = json::string_member(*head, "sha");
    const rapidjson::Value* head_repo = member(*head, "repo");
    const rapidjson::Value* base_repo = base == nullptr ? nullptr : member(*base, "repo");
    if (head_repo == nullptr || head_repo->IsNull()) {
      context.fork = true;  // The fork was deleted.
    } else {
      context.head_repository = json::string_member(*head_repo, "full_name");
      if (base_repo != nullptr)
        context.fork = context.head_repository != json::string_member(*base_repo, "full_name");
    }
  }
}

void read_payload(const std::string& path, EventContext& context, std::string* problem) {
  std::ifstream stream(path);
  if (!stream) {
    if (problem) *problem = "cannot read the event payload \"" + path + "\"";
    return;
  }
  std::ostringstream text;
  text << stream.rdbuf();
  rapidjson::Document payload;
  payload.Parse(text.str().c_str());
  if (payload.HasParseError() || !payload.IsObject()) {
    if (problem) *problem = "the event payload \"" + path + "\" is not a JSON object";
    return;
  }
  if (context.event_name == "pull_request" || context.event_name == "pull_request_target")
    read_pull_request(payload, context);
  if (context.event_name == "merge_group") {
    const rapidjson::Value* group = member(payload, "merge_group");
    if (group != nullptr) context.head_sha = json::string_member(*group, "head_sha");
  }
  if (context.event_name == "workflow_dispatch") {
    const rapidjson::Value* inputs = member(payload, "inputs");
    if (inputs != nullptr && inputs->IsObject())
      for (const auto& input : inputs->GetObject()) {
        std::string value;
        if (input.value.IsString()) value = input.value.GetString();
        else if (input.value.IsBool()) value = input.value.GetBool() ? "true" : "false";
        else if (input.value.IsNumber()) value = std::to_string(input.value.GetDouble());
        else continue;
        context.dispatch_inputs[input.name.GetString()] = value;
      }
  }
}

}  // namespace

EventContext read_event_context(const std::string& token_option, std::string* problem) {
  EventContext context;
  context.event_name = env("GITHUB_EVENT_NAME");
  context.repository = env("GITHUB_REPOSITORY");
  if (!env("GITHUB_API_URL").empty()) context.api_url = env("GITHUB_API_URL");
  context.head_sha = env("GITHUB_SHA");
  context.workflow = env("GITHUB_WORKFLOW");
  context.job = env("GITHUB_JOB");

  std::string token = token_option;
  if (token.empty()) token = env("INPUT_GITHUB-TOKEN");
  if (token.empty()) token = env("GITHUB_TOKEN");
  if (!token.empty()) {
    redaction::register_value(token);
    context.token = SensitiveString(std::move(token));
  }

  std::string payload_path = env("GITHUB_EVENT_PATH");
  if (!payload_path.empty()) read_payload(payload_path, context, problem);
  return context;
}

bool oidc_token_offered() {
  return !env("ACTIONS_ID_TOKEN_REQUEST_URL").empty() &&
         !env("ACTIONS_ID_TOKEN_REQUEST_TOKEN").empty();
}

}  // namespace sp::report::github
