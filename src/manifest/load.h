// Loading manifest files into documents: YAML streams and ECS task
// definition JSON, with file, line and column kept for every node.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "manifest/document.h"

namespace sp::manifest {

/// Default maximum size of one manifest file: 64 MiB. The Kubernetes API
/// server takes at most 3 MiB per request by default, so only a stream of
/// very many objects, or a file that is no manifest, comes near it.
constexpr std::uintmax_t kDefaultMaxFileSize = std::uintmax_t{64} << 20;

struct LoadOptions {
  /// Files larger than this many bytes are input errors and are not read.
  /// 0 means no limit.
  std::uintmax_t max_file_size = kDefaultMaxFileSize;
  /// Called with every document that loaded without an error, right after
  /// it is parsed; the document is kept only when this returns true. Unset
  /// keeps every document. Dropping the kinds no resolver reads here keeps
  /// memory proportional to the kept documents rather than to the files.
  std::function<bool(const Document&)> keep;
};

/// Parses `text`, the content of repository file `path`, into manifest
/// documents: Kubernetes objects (each item of a `List` or `*List` on its
/// own) and ECS task definitions (bare, wrapped in `{"taskDefinition": ...}`
/// as `describe-task-definition` writes, or in arrays of either). Documents
/// that are neither, and empty documents, are dropped without a diagnostic.
///
/// Adds an error, and loads nothing from the file, when the text is not
/// UTF-8 (a binary file, UTF-16, an invalid byte). Adds an error and drops
/// one document, while the others still load, when it fails to parse, nests
/// deeper than kMaxNestingDepth, has an unrendered template action
/// (`{{ ... }}`) where a YAML node starts, or expands through aliases to
/// more than kMaxExpandedNodes nodes. A repeated mapping key adds an error
/// at the second key, and the document is kept.
std::vector<Document> load_manifest_text(const std::string& path, const std::string& text,
                                         std::vector<Diagnostic>& diagnostics,
                                         const LoadOptions& options = {});

/// Reads `root`/`path` and loads it as load_manifest_text() does. A file
/// over `options.max_file_size` or one that cannot be read adds an error.
std::vector<Document> load_manifest_file(const std::string& root, const std::string& path,
                                         std::vector<Diagnostic>& diagnostics,
                                         const LoadOptions& options = {});

/// Parses a size such as "1048576", "512K", "64M" or "2G" (powers of 1024)
/// into bytes; nullopt when the text is not such a size or overflows.
std::optional<std::uintmax_t> parse_byte_size(std::string_view text);

/// Formats a byte count for messages: "64 MiB" when it is a whole number of
/// MiB, else the bytes ("1500 bytes").
std::string format_byte_size(std::uintmax_t bytes);

}  // namespace sp::manifest
