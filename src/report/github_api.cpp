#include "report/github_api.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "report/github.h"
#include "util/json.h"
#include "util/log.h"
#include "util/redaction.h"

namespace sp::report::github {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr int kMaxCommentPages = 50;

struct ApiResponse {
  http::Response response;
  /// GitHub's `message` field of an error body, when there is one.
  std::string message;
};

std::string error_message(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  if (document.HasParseError() || !document.IsObject()) return "";
  return json::string_member(document, "message");
}

// Sends one REST request with the headers GitHub's REST documentation asks
// for. A 429, a 5xx or a rate-limited 403 is retried once after Retry-After
// (at most 10 s). A 403 "Resource not accessible by integration" is a missing
// permission, so it is not retried.
ApiResponse send(http::HttpTransport& transport, const EventContext& context,
                 const std::string& method, const std::string& url, const std::string& body) {
  http::Request request;
  request.method = method;
  request.url = url.starts_with("https://") || url.starts_with("http://") ? url
                                                                            : context.api_url + url;
  request.headers = {{"Authorization", "Bearer " + context.token.reveal()},
                     {"Accept", "application/vnd.github+json"},
                     {"X-GitHub-Api-Version", "2022-11-28"},
                     {"User-Agent", std::string("secret-preflight/") + SECRET_PREFLIGHT_VERSION}};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  // The timeout stays 0, so the transport's --request-timeout applies.

  ApiResponse result;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    result.response = transport.perform(request);
    result.message = error_message(result.response.body);
    int status = result.response.status;
    bool rate_limited = status == 429 || (status == 403 && result.response.header(
                                                                "x-ratelimit-remaining") == "0");
    bool retryable = status == 0 || status >= 500 || rate_limited;
    if (!retryable || attempt == 2) break;
    int wait = 1;
    try {
      wait = std::clamp(std::stoi(result.response.header("retry-after")), 0, 10);
    } catch (const std::exception&) {
    }
    log::warning("retrying GitHub " + method + " " + url + " (attempt 2 of 2): HTTP " +
                 std::to_string(status));
    std::this_thread::sleep_for(std::chrono::seconds(wait));
  }
  return result;
}

// Describes a failed request for the log, naming the permission a 403 lacks.
std::string describe_failure(const ApiResponse& api, const std::string& what,
                             const std::string& permission) {
  const http::Response& response = api.response;
  if (response.status == 0) return what + " failed: " + response.transport_error;
  std::string text = what + " failed: HTTP " + std::to_string(response.status);
  if (!api.message.empty()) text += " " + api.message;
  if (response.status == 403 || response.status == 404)
    text += "; the job needs `permissions: " + permission +
            "`, and fork pull requests never get it";
  return text;
}

// Returns the URL of the Link header's rel="next" entry, or "".
std::string next_link(const std::string& link) {
  size_t at = 0;
  while ((at = link.find('<', at)) != std::string::npos) {
    size_t close = link.find('>', at);
    if (close == std::string::npos) return "";
    size_t end = link.find(',', close);
    std::string params = link.substr(close, end == std::string::npos ? std::string::npos : end - close);
    if (params.find("rel=\"next\"") != std::string::npos) return link.substr(at + 1, close - at - 1);
    at = close;
  }
  return "";
}

std::string body_json(const std::string& body) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("body");
  std::string redacted = redaction::redact(body);
  writer.String(redacted.c_str(), static_cast<rapidjson::SizeType>(redacted.size()));
  writer.EndObject();
  return buffer.GetString();
}

struct ExistingComment {
  long long id = 0;
  bool found = false;
};

// Lists every comment, following the Link header, and returns the last one
// whose body starts with `marker`.
std::optional<ExistingComment> find_comment(http::HttpTransport& transport,
                                            const EventContext& context,
                                            const std::string& marker, std::string& failure) {
  ExistingComment existing;
  std::string url = "/repos/" + context.repository + "/issues/" +
                    std::to_string(*context.pull_request) + "/comments?per_page=100";
  for (int page = 0; page < kMaxCommentPages && !url.empty(); ++page) {
    ApiResponse api = send(transport, context, "GET", url, "");
    if (!api.response.ok()) {
      failure = describe_failure(api, "listing the pull request's comments", "pull-requests: read");
      return std::nullopt;
    }
    rapidjson::Document comments;
    comments.Parse(api.response.body.c_str());
    if (comments.HasParseError() || !comments.IsArray()) {
      failure = "listing the pull request's comments returned no JSON array";
      return std::nullopt;
    }
    for (const auto& comment : comments.GetArray()) {
      if (!comment.IsObject()) continue;
      if (!json::string_member(comment, "body").starts_with(marker)) continue;
      auto id = comment.FindMember("id");
      if (id == comment.MemberEnd() || !id->value.IsInt64()) continue;
      existing.id = id->value.GetInt64();
      existing.found = true;
    }
    url = next_link(api.response.header("link"));
  }
  return existing;
}

std::string resolved_body(const std::string& marker, const RunReport& run) {
  return marker + "\n## secret-preflight: all permission edges pass\n\n" +
         std::to_string(run.results.size()) +
         " permission edges meet the gate as of this run. Earlier findings are resolved.\n";
}

void add_string(Writer& writer, const char* key, const std::string& value) {
  writer.Key(key);
  std::string redacted = redaction::redact(value);
  writer.String(redacted.c_str(), static_cast<rapidjson::SizeType>(redacted.size()));
}

std::string cut(std::string text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  text.resize(max_bytes);
  // Do not end inside a UTF-8 sequence.
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80)) text.pop_back();
  return text;
}

struct CheckAnnotation {
  Outcome outcome;
  const EdgeResult* result;
};

int severity_rank(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFail: return 0;
    case Outcome::kWarn: return 1;
    default: return 2;
  }
}

const char* annotation_level(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFail: return "failure";
    case Outcome::kWarn: return "warning";
    default: return "notice";
  }
}

void write_annotation(Writer& writer, const CheckAnnotation& annotation) {
  const SourceLocation& location = annotation.result->edge.reference.location;
  int line = std::max(1, location.line);
  writer.StartObject();
  add_string(writer, "path", location.file);
  writer.Key("start_line");
  writer.Int(line);
  writer.Key("end_line");
  writer.Int(line);
  if (location.column > 0) {
    writer.Key("start_column");
    writer.Int(location.column);
    writer.Key("end_column");
    writer.Int(location.column);
  }
  add_string(writer, "annotation_level", annotation_level(annotation.outcome));
  add_string(writer, "title", cut(result_title(*annotation.result), 255));
  add_string(writer, "message", cut(result_message(*annotation.result), 64 * 1024));
  writer.EndObject();
}

std::string check_run_body(const EventContext& context, const CheckRunOptions& options,
                           const RunReport& run, const Gate& gate,
                           const std::vector<CheckAnnotation>& batch, bool create) {
  int failing = 0, warnings = 0;
  for (const EdgeResult& result : probed_results(run)) {
    Outcome outcome = classify(gate, result);
    failing += outcome == Outcome::kFail;
    warnings += outcome == Outcome::kWarn;
  }
  bool passed = run.passed_gate && !has_errors(run.diagnostics);
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  if (create) {
    add_string(writer, "name", options.name);
    add_string(writer, "head_sha", context.head_sha);
    add_string(writer, "status", "completed");
    add_string(writer, "conclusion", passed ? "success" : "failure");
    if (!options.details_url.empty()) add_string(writer, "details_url", options.details_url);
  }
  writer.Key("output");
  writer.StartObject();
  add_string(writer, "title", std::to_string(failing) + " failing, " + std::to_string(warnings) +
                                  " warnings, " + std::to_string(run.results.size()) +
                                  " permission edges");
  SummaryOptions summary;
  summary.max_bytes = kMaxCheckTextBytes;
  summary.limit = "a check run's summary holds at most 65,535 characters";
  summary.full_list = "The job summary and the report artifact of this run list every edge.";
  add_string(writer, "summary", cut(render_step_summary(run, gate, summary), kMaxCheckTextBytes));
  writer.Key("annotations");
  writer.StartArray();
  for (const CheckAnnotation& annotation : batch) write_annotation(writer, annotation);
  writer.EndArray();
  writer.EndObject();
  writer.EndObject();
  return buffer.GetString();
}

long long id_of(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  if (document.HasParseError() || !document.IsObject()) return 0;
  auto id = document.FindMember("id");
  return id != document.MemberEnd() && id->value.IsInt64() ? id->value.GetInt64() : 0;
}

}  // namespace

std::string comment_marker(const EventContext& context) {
  // Workflow and job names come from the workflow file; "--" would end the
  // HTML comment early, so it is collapsed.
  auto clean = [](std::string text) {
    for (size_t at; (at = text.find("--")) != std::string::npos;) text.replace(at, 2, "-");
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
  };
  return "<!-- secret-preflight:report workflow=\"" + clean(context.workflow) + "\" job=\"" +
         clean(context.job) + "\" -->";
}

std::string render_comment(const RunReport& run, const Gate& gate, const EventContext& context,
                           const CommentOptions& options) {
  std::string marker = comment_marker(context);
  SummaryOptions summary;
  summary.report_path = options.report_path;
  // Room for the marker and the closing link.
  summary.max_bytes = kMaxCommentBytes - marker.size() - 512;
  summary.limit = "GitHub does not accept a comment longer than 65,536 characters";
  summary.full_list = options.run_url.empty()
                          ? "The job summary and the report artifact of this run list every edge."
                          : "The [job summary](" + options.run_url +
                                ") and the report artifact of this run list every edge.";
  std::string body = marker + "\n" + render_step_summary(run, gate, summary);
  if (!options.run_url.empty()) body += "\n[Run log and job summary](" + options.run_url + ")\n";
  return cut(body, kMaxCommentBytes);
}

std::string publish_comment(http::HttpTransport& transport, const EventContext& context,
                            const RunReport& run, const Gate& gate, const CommentOptions& options) {
  if (options.mode == CommentMode::kOff) return "";
  if (!context.pull_request)
    return "no pull request comment: the " +
           (context.event_name.empty() ? std::string("run") : context.event_name + " event") +
           " has no pull request";
  if (context.token.empty())
    return "no pull request comment: no GitHub token; pass github-token or set GITHUB_TOKEN";

  std::string marker = comment_marker(context);
  std::string failure;
  std::optional<ExistingComment> existing = find_comment(transport, context, marker, failure);
  if (!existing) return "no pull request comment: " + failure;

  bool passed = run.passed_gate && !has_errors(run.diagnostics);
  std::string comments = "/repos/" + context.repository + "/issues/comments/";
  if (passed && options.mode == CommentMode::kOnFailure) {
    if (!existing->found) return "no pull request comment: every edge passes";
    if (options.on_pass == CommentOnPass::kDelete) {
      ApiResponse api =
          send(transport, context, "DELETE", comments + std::to_string(existing->id), "");
      return api.response.ok() ? "deleted the pull request comment: every edge passes"
                               : describe_failure(api, "deleting the pull request comment",
                                                  "pull-requests: write");
    }
    ApiResponse api = send(transport, context, "PATCH", comments + std::to_string(existing->id),
                           body_json(resolved_body(marker, run)));
    return api.response.ok() ? "marked the pull request comment resolved"
                             : describe_failure(api, "updating the pull request comment",
                                                "pull-requests: write");
  }

  std::string body = body_json(render_comment(run, gate, context, options));
  if (existing->found) {
    ApiResponse api =
        send(transport, context, "PATCH", comments + std::to_string(existing->id), body);
    return api.response.ok() ? "updated the pull request comment"
                             : describe_failure(api, "updating the pull request comment",
                                                "pull-requests: write");
  }
  ApiResponse api = send(transport, context, "POST",
                         "/repos/" + context.repository + "/issues/" +
                             std::to_string(*context.pull_request) + "/comments",
                         body);
  return api.response.ok() ? "posted the pull request comment"
                           : describe_failure(api, "posting the pull request comment",
                                              "pull-requests: write");
}

std::string publish_check_run(http::HttpTransport& transport, const EventContext& context,
                              const RunReport& run, const Gate& gate,
                              const CheckRunOptions& options) {
  if (context.token.empty())
    return "no check run: no GitHub token; pass github-token or set GITHUB_TOKEN";
  if (context.head_sha.empty()) return "no check run: GITHUB_SHA is not set";

  std::vector<EdgeResult> results = run.results;
  sort_results(results);
  std::vector<CheckAnnotation> annotations;
  for (const EdgeResult& result : results) {
    Outcome outcome = classify(gate, result);
    if (outcome != Outcome::kPass && !is_unprobed(run, result))
      annotations.push_back({outcome, &result});
  }
  // Failures first, then warnings, then notices for ignored edges.
  std::stable_sort(annotations.begin(), annotations.end(),
                   [](const CheckAnnotation& a, const CheckAnnotation& b) {
                     return severity_rank(a.outcome) < severity_rank(b.outcome);
                   });

  auto batch_at = [&](size_t start) {
    size_t end = std::min(annotations.size(), start + kMaxCheckAnnotationsPerRequest);
    return std::vector<CheckAnnotation>(annotations.begin() + start, annotations.begin() + end);
  };
  ApiResponse created =
      send(transport, context, "POST", "/repos/" + context.repository + "/check-runs",
           check_run_body(context, options, run, gate, batch_at(0), true));
  if (!created.response.ok())
    return describe_failure(created, "creating the check run", "checks: write");
  long long id = id_of(created.response.body);
  for (size_t start = kMaxCheckAnnotationsPerRequest; start < annotations.size();
       start += kMaxCheckAnnotationsPerRequest) {
    ApiResponse updated = send(transport, context, "PATCH",
                               "/repos/" + context.repository + "/check-runs/" + std::to_string(id),
                               check_run_body(context, options, run, gate, batch_at(start), false));
    if (!updated.response.ok())
      return describe_failure(updated, "adding annotations to the check run", "checks: write");
  }
  return "created check run \"" + options.name + "\" with " + std::to_string(annotations.size()) +
         " annotations";
}

}  // namespace sp::report::github
