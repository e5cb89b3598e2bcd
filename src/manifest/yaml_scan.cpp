#include "manifest/yaml_scan.h"

#include <vector>

namespace sp::manifest {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// True when `line[at]` is a `-` entry indicator: a dash followed by a blank
// or the end of the line.
bool is_entry_indicator(std::string_view line, size_t at) {
  return at < line.size() && line[at] == '-' && (at + 1 == line.size() || is_blank(line[at + 1]));
}

// True when the plain text from `at` is a mapping key (`key:` followed by a
// blank or the end of the line), before any flow bracket or quote.
bool starts_mapping_entry(std::string_view line, size_t at) {
  for (size_t i = at; i < line.size(); ++i) {
    char c = line[i];
    if (c == '[' || c == '{' || c == '"' || c == '\'' || c == '#') return false;
    if (c == ':' && (i + 1 == line.size() || is_blank(line[i + 1]))) return true;
  }
  return false;
}

class NestingScanner {
 public:
  explicit NestingScanner(int max_depth) : max_depth_(static_cast<size_t>(max_depth)) {}

  // Scans one line that starts at byte `line_start` of the text.
  std::optional<TextFinding> scan_line(std::string_view line, size_t line_start) {
    size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    if (block_scalar_parent_ >= 0) {
      if (indent == line.size() || static_cast<int>(indent) > block_scalar_parent_)
        return std::nullopt;
      block_scalar_parent_ = -1;
    }
    size_t at = 0;
    if (quote_ == 0 && flow_depth_ == 0) {
      if (indent == line.size() || line[indent] == '#') return std::nullopt;
      at = enter_block_line(line, indent);
      if (levels_.size() > max_depth_)
        return TextFinding{TextProblem::kExcessNesting, line_start + indent};
    }
    return scan_characters(line, line_start, at, indent);
  }

 private:
  struct Level {
    size_t indent;
    bool sequence;
  };

  // Updates the stack of block collections for a line whose content starts
  // at `indent`, and returns where its node content starts.
  size_t enter_block_line(std::string_view line, size_t indent) {
    bool entry = is_entry_indicator(line, indent);
    while (!levels_.empty() && levels_.back().indent > indent) levels_.pop_back();
    // A block sequence may sit at its parent mapping's indentation.
    if (!levels_.empty() && levels_.back().indent == indent && levels_.back().sequence != entry) {
      if (entry) {
        levels_.push_back({indent, true});
      } else {
        levels_.pop_back();
      }
    }
    if (levels_.empty() || levels_.back().indent < indent) levels_.push_back({indent, entry});
    size_t at = indent;
    if (!entry) return at;
    // Compact nesting on one line: `- - x` and `- key: value`.
    while (is_entry_indicator(line, at)) {
      ++at;
      while (at < line.size() && is_blank(line[at])) ++at;
      if (is_entry_indicator(line, at)) levels_.push_back({at, true});
    }
    if (starts_mapping_entry(line, at)) levels_.push_back({at, false});
    return at;
  }

  std::optional<TextFinding> scan_characters(std::string_view line, size_t line_start, size_t at,
                                             size_t indent) {
    // A line is taken to start a node after its indentation and entry
    // indicators; inside a quoted scalar the quote decides first.
    bool node_start = true;
    for (; at < line.size(); ++at) {
      char c = line[at];
      if (quote_ == '"') {
        if (c == '\\') {
          ++at;
        } else if (c == '"') {
          quote_ = 0;
        }
        continue;
      }
      if (quote_ == '\'') {
        if (c == '\'' && at + 1 < line.size() && line[at + 1] == '\'') {
          ++at;
        } else if (c == '\'') {
          quote_ = 0;
        }
        continue;
      }
      if (is_blank(c)) continue;
      if (c == '#' && (at == 0 || is_blank(line[at - 1]))) return std::nullopt;
      bool in_flow = flow_depth_ > 0;
      if (c == '{' && at + 1 < line.size() && line[at + 1] == '{' && (node_start || in_flow))
        return TextFinding{TextProblem::kTemplateAction, line_start + at};
      if ((c == '[' || c == '{') && (node_start || in_flow)) {
        ++flow_depth_;
        if (levels_.size() + flow_depth_ > max_depth_)
          return TextFinding{TextProblem::kExcessNesting, line_start + at};
        node_start = true;
        continue;
      }
      if ((c == ']' || c == '}') && in_flow) {
        --flow_depth_;
        node_start = false;
        continue;
      }
      if ((c == '"' || c == '\'') && (node_start || in_flow)) {
        quote_ = c;
        continue;
      }
      if ((c == '|' || c == '>') && node_start && !in_flow) {
        block_scalar_parent_ = static_cast<int>(indent);
        return std::nullopt;
      }
      if ((c == '&' || c == '!') && node_start) {
        // An anchor or a tag comes before its node, which still starts after it.
        while (at + 1 < line.size() && !is_blank(line[at + 1])) ++at;
        continue;
      }
      if (c == ':' && (at + 1 == line.size() || is_blank(line[at + 1]) || in_flow)) {
        node_start = true;
        continue;
      }
      if (c == ',' && in_flow) {
        node_start = true;
        continue;
      }
      node_start = false;
    }
    return std::nullopt;
  }

  size_t max_depth_;
  std::vector<Level> levels_;
  size_t flow_depth_ = 0;
  char quote_ = 0;
  /// Indentation of the line that opened a block scalar; -1 outside one.
  int block_scalar_parent_ = -1;
};

}  // namespace

std::optional<TextFinding> scan_yaml_text(std::string_view text, int max_depth) {
  NestingScanner scanner(max_depth);
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (auto finding = scanner.scan_line(line, start)) return finding;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace sp::manifest
