#include "manifest/document.h"

#include <algorithm>

namespace sp::manifest {

SourceFile::SourceFile(std::string file_path, std::string text)
    : path(std::move(file_path)), text_(std::move(text)) {
  // A final line break ends the last line; it does not start an empty one.
  for (size_t start = 0; start < text_.size();) {
    line_starts_.push_back(start);
    size_t end = text_.find('\n', start);
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

std::string_view SourceFile::line_view(int line) const {
  if (line < 1 || static_cast<size_t>(line) > line_starts_.size()) return {};
  size_t start = line_starts_[static_cast<size_t>(line) - 1];
  size_t end = text_.find('\n', start);
  if (end == std::string::npos) end = text_.size();
  std::string_view view(text_.data() + start, end - start);
  if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
  return view;
}

SourceLocation SourceFile::location_at(size_t offset) const {
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  if (after == line_starts_.begin()) return {path, 1, 1};
  size_t line = static_cast<size_t>(after - line_starts_.begin());
  size_t column = offset - line_starts_[line - 1] + 1;
  return {path, static_cast<int>(line), static_cast<int>(column)};
}

SourceLocation Document::locate(const YAML::Node& node) const {
  SourceLocation location;
  location.file = file ? file->path : "";
  if (!node) return location;
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return location;
  location.line = mark.line + line_offset + 1;
  location.column = mark.column + column_offset + 1;
  return location;
}

Document Document::nested(YAML::Node text_root, int nested_line_offset,
                          int nested_column_offset) const {
  Document document = *this;
  document.root = std::move(text_root);
  document.line_offset = nested_line_offset;
  document.column_offset = nested_column_offset;
  return document;
}

std::string quote_source_line(std::string_view line, int column) {
  if (line.size() <= kMaxQuotedLineBytes) return std::string(line);
  // The caret needs its column inside the quoted part, with room after it.
  if (column < 1 || static_cast<size_t>(column) + 40 > kMaxQuotedLineBytes) return "";
  size_t cut = kMaxQuotedLineBytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
  return std::string(line.substr(0, cut)) + " ...";
}

Diagnostic make_diagnostic(Diagnostic::Severity severity, const SourceFile& file,
                           SourceLocation location, std::string message) {
  Diagnostic diagnostic;
  diagnostic.severity = severity;
  location.file = file.path;
  diagnostic.source_line = quote_source_line(file.line_view(location.line), location.column);
  diagnostic.location = std::move(location);
  diagnostic.message = std::move(message);
  return diagnostic;
}

}  // namespace sp::manifest
