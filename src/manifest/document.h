// A manifest document: one parsed object of a manifest file, with what is
// needed to turn any of its nodes back into a file, line and column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"

namespace sp::manifest {

/// The text of one repository file, with the offset of every line so that
/// diagnostics can quote a line without keeping a copy of each one.
struct SourceFile {
  SourceFile(std::string path, std::string text);

  /// Path relative to the repository root, with `/` separators.
  std::string path;

  const std::string& text() const { return text_; }
  size_t line_count() const { return line_starts_.size(); }

  /// Returns line `line` (1-based) without its line break and any `\r`
  /// before it, or empty when out of range.
  std::string_view line_view(int line) const;
  std::string line_text(int line) const { return std::string(line_view(line)); }
  /// Returns the 1-based line and column (in bytes) of byte `offset`.
  SourceLocation location_at(size_t offset) const;

 private:
  std::string text_;
  /// Byte offset in `text_` at which each line starts.
  std::vector<size_t> line_starts_;
};

enum class DocumentFormat { kKubernetes, kEcsTaskDefinition };

struct Document {
  std::shared_ptr<const SourceFile> file;
  DocumentFormat format = DocumentFormat::kKubernetes;
  /// The object itself: a Kubernetes object (a `List` item on its own) or a
  /// bare task definition (unwrapped from describe output).
  YAML::Node root;
  /// 0-based position in the file of the parsed text's start. yaml-cpp marks
  /// are 0-based and relative to the text it was given, so locate() adds these.
  int line_offset = 0;
  int column_offset = 0;
  /// The `# Source: <chart>/templates/<file>` comment Helm writes above each
  /// rendered document; empty when absent.
  std::string helm_source;

  /// Returns the 1-based file position of `node`, or line 0 when the node
  /// carries no mark.
  SourceLocation locate(const YAML::Node& node) const;

  /// Returns a document that shares this file but reads `text_root`, parsed
  /// from a string whose first character sits at 0-based `line_offset` and
  /// whose every line is shifted right by `column_offset` columns.
  Document nested(YAML::Node text_root, int line_offset, int column_offset) const;
};

/// Maximum length of the source line a diagnostic quotes, in bytes.
constexpr size_t kMaxQuotedLineBytes = 500;

/// Returns `line` as a diagnostic quotes it. A line over
/// kMaxQuotedLineBytes is cut at a UTF-8 boundary and ends in " ...", or is
/// left out when 1-based `column` lies past the cut. So a minified file
/// never puts megabytes into a message.
std::string quote_source_line(std::string_view line, int column);

/// Builds a diagnostic at `location` with the source line filled in.
Diagnostic make_diagnostic(Diagnostic::Severity severity, const SourceFile& file,
                           SourceLocation location, std::string message);

}  // namespace sp::manifest
