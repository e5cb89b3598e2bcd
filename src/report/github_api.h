// The GitHub REST channels: the sticky pull request comment and the check
// run. Both read the finished run only and never change a verdict; a failed
// request becomes a notice in the run, not a failed check.
#pragma once

#include <string>
#include <vector>

#include "report/gate.h"
#include "report/github_context.h"
#include "report/run.h"
#include "util/http.h"

namespace sp::report::github {

/// What to do with the sticky comment.
enum class CommentMode {
  kOff,        // never comment
  kOnFailure,  // comment while the gate fails; see CommentOnPass for afterwards
  kAlways,     // keep one comment with the latest results
};

/// What happens to an existing sticky comment once the gate passes.
enum class CommentOnPass { kResolve, kDelete };

struct CommentOptions {
  CommentMode mode = CommentMode::kOnFailure;
  CommentOnPass on_pass = CommentOnPass::kResolve;
  /// Link to the run's summary page, for the truncation note.
  std::string run_url;
  std::string report_path;
};

/// GitHub limits a comment body to 65,536 characters
/// (REST "issue comments": longer bodies get 422 "Body is too long").
inline constexpr size_t kMaxCommentBytes = 65536;
/// The Checks API takes at most 50 annotations per request; further ones go
/// in PATCH requests, which append.
inline constexpr size_t kMaxCheckAnnotationsPerRequest = 50;
/// output.summary and output.text of a check run hold at most 65,535 characters.
inline constexpr size_t kMaxCheckTextBytes = 65535;

/// Returns the hidden marker that finds this workflow and job's comment again.
std::string comment_marker(const EventContext& context);

/// Renders the sticky comment body: the marker, then the job summary cut to
/// fit GitHub's comment limit with a note pointing at the run and the report.
std::string render_comment(const RunReport& run, const Gate& gate, const EventContext& context,
                           const CommentOptions& options);

/// Creates, updates, resolves or deletes the sticky comment on the pull
/// request. Returns one line for the log saying what was done, or why not.
std::string publish_comment(http::HttpTransport& transport, const EventContext& context,
                            const RunReport& run, const Gate& gate, const CommentOptions& options);

struct CheckRunOptions {
  std::string name = "secret-preflight";
  std::string details_url;
};

/// Creates a completed check run on the head commit with the gate's
/// conclusion and every annotation, 50 per request. Returns one line for the
/// log saying what was done, or why not.
std::string publish_check_run(http::HttpTransport& transport, const EventContext& context,
                              const RunReport& run, const Gate& gate,
                              const CheckRunOptions& options);

}  // namespace sp::report::github
