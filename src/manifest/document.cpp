#include "manifest/document.h"

namespace sp::manifest {

std::string SourceFile::line_text(int line) const {
  if (line < 1 || static_cast<size_t>(line) > lines.size()) return "";
  return lines[static_cast<size_t>(line) - 1];
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

Diagnostic make_diagnostic(Diagnostic::Severity severity, const SourceFile& file,
                           SourceLocation location, std::string message) {
  Diagnostic diagnostic;
  diagnostic.severity = severity;
  location.file = file.path;
  diagnostic.source_line = file.line_text(location.line);
  diagnostic.location = std::move(location);
  diagnostic.message = std::move(message);
  return diagnostic;
}

}  // namespace sp::manifest
