// What the GitHub Actions run tells about itself: the event, the pull
// request it belongs to, whether it comes from a fork, and the token for the
// REST API. Read from the runner's environment and the event payload.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "util/sensitive.h"

namespace sp::report::github {

struct EventContext {
  /// GITHUB_EVENT_NAME: pull_request, push, workflow_dispatch, merge_group, ...
  std::string event_name;
  /// GITHUB_REPOSITORY, owner/name.
  std::string repository;
  /// GITHUB_API_URL, default https://api.github.com.
  std::string api_url = "https://api.github.com";
  /// Set for pull_request and pull_request_target events.
  std::optional<int> pull_request;
  /// The pull request's head commit, else GITHUB_SHA (merge_group: its head_sha).
  std::string head_sha;
  /// True when the pull request's head repository differs from the base
  /// repository, or was deleted (head.repo is null).
  bool fork = false;
  /// The pull request's head repository (owner/name); empty when deleted.
  std::string head_repository;
  /// workflow_dispatch inputs, as strings.
  std::map<std::string, std::string> dispatch_inputs;
  std::string workflow;
  std::string job;
  /// The token for the REST API: --github-token, INPUT_GITHUB-TOKEN, then
  /// GITHUB_TOKEN. Registered for redaction when read.
  SensitiveString token;
};

/// Reads the context from the environment and GITHUB_EVENT_PATH. A missing
/// or unreadable payload leaves the payload fields empty; `problem`, when
/// given, receives a one-line description of what could not be read.
EventContext read_event_context(const std::string& token_option, std::string* problem = nullptr);

/// Returns true when the runner offers an OIDC token
/// (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set).
bool oidc_token_offered();

}  // namespace sp::report::github
