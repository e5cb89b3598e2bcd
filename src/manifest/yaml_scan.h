// A scan of one YAML document's text before yaml-cpp parses it: nesting
// depth and unrendered template actions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace sp::manifest {

/// Maximum nesting of mappings and sequences in one manifest document.
/// yaml-cpp 0.7.0 stops at 500 levels with the message "bad file" and often
/// no position; real manifests, CRD schemas included, stay far below 200.
constexpr int kMaxNestingDepth = 200;

enum class TextProblem {
  /// Collections nest deeper than the maximum.
  kExcessNesting,
  /// A Go template action (`{{ ... }}`) is where a YAML node starts, as in
  /// an unrendered Helm template. yaml-cpp reads it as a flow mapping or
  /// rejects it.
  kTemplateAction,
};

struct TextFinding {
  TextProblem problem;
  /// Byte offset in the scanned text.
  size_t offset = 0;
};

/// Returns the first problem in `text`, one YAML document, or nullopt. The
/// scan follows indentation, `- ` entries and flow brackets outside
/// comments, quoted scalars and block scalars, so `{{` inside a quoted or
/// block scalar is not a finding. It is not a YAML parser: it can count a
/// nesting level too many (a plain scalar continued on a deeper line), and
/// yaml-cpp's own depth limit stays in place for what it misses.
std::optional<TextFinding> scan_yaml_text(std::string_view text, int max_depth);

}  // namespace sp::manifest
