#include "manifest/stream.h"

#include <string_view>

namespace sp::manifest {
namespace {

bool is_marker_line(std::string_view line, std::string_view marker) {
  if (!line.starts_with(marker)) return false;
  return line.size() == marker.size() || line[marker.size()] == ' ' || line[marker.size()] == '\t';
}

}  // namespace

bool StreamSplitter::next(StreamChunk& chunk) {
  if (finished_) return false;
  chunk = StreamChunk{};
  chunk.first_line = static_cast<int>(line_);
  size_t count = file_.line_count();
  if (at_marker_) {
    // Content after the marker (`--- {a: 1}`) stays at its column.
    std::string_view marker = file_.line_view(static_cast<int>(line_) + 1);
    chunk.text = std::string(3, ' ');
    chunk.text += marker.substr(3);
    chunk.text += '\n';
    ++line_;
    at_marker_ = false;
  }
  bool ended = false;
  for (; line_ < count; ++line_) {
    std::string_view line = file_.line_view(static_cast<int>(line_) + 1);
    if (is_marker_line(line, "---")) {
      at_marker_ = true;
      return true;
    }
    if (is_marker_line(line, "...")) {
      ended = true;
      continue;
    }
    // After `...`, only comments and blank lines may follow before the next
    // document; any other line starts one without a marker.
    if (ended) {
      if (!line.empty() && line[0] != '#') return true;
      continue;
    }
    if (line.starts_with("# Source: ")) chunk.helm_source = line.substr(10);
    chunk.text += line;
    chunk.text += '\n';
  }
  finished_ = true;
  return true;
}

}  // namespace sp::manifest
