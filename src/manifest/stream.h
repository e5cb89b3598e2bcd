// Splitting a YAML stream into its documents before yaml-cpp parses them.
#pragma once

#include <string>

#include "manifest/document.h"

namespace sp::manifest {

/// One `---`-separated document of a YAML stream, as text whose first line
/// is line `first_line` (0-based) of the file.
struct StreamChunk {
  std::string text;
  int first_line = 0;
  /// The `# Source: ` comment Helm writes above a rendered document.
  std::string helm_source;
};

/// Reads the documents of a YAML stream one at a time, so that only one
/// document's text is copied at once. Splitting here, instead of in
/// YAML::LoadAll, keeps a parse error in one document from hiding the
/// others. A `---` or `...` at column 0 ends a document even inside a block
/// scalar, so a line test is exact.
class StreamSplitter {
 public:
  /// `file` must outlive the splitter.
  explicit StreamSplitter(const SourceFile& file) : file_(file) {}

  /// Fills `chunk` with the next document and returns true, or returns
  /// false at the end of the stream. The first call always returns a
  /// chunk, which may be empty.
  bool next(StreamChunk& chunk);

 private:
  const SourceFile& file_;
  /// 0-based index of the next line to read.
  size_t line_ = 0;
  /// True when line_ is the `---` line that starts the next chunk.
  bool at_marker_ = false;
  bool finished_ = false;
};

}  // namespace sp::manifest
