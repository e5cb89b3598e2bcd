#include "manifest/load.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "util/text.h"
#include "util/yaml_node.h"

namespace sp::manifest {
namespace {

using Severity = Diagnostic::Severity;

bool is_json_path(const std::string& path) { return path.ends_with(".json"); }

bool is_marker_line(const std::string& line, std::string_view marker) {
  if (!line.starts_with(marker)) return false;
  return line.size() == marker.size() || line[marker.size()] == ' ' || line[marker.size()] == '\t';
}

/// One `---`-separated document of a YAML stream, as text whose first line is
/// line `first_line` (0-based) of the file.
struct Chunk {
  std::string text;
  int first_line = 0;
  std::string helm_source;
};

// Splitting the stream here, instead of YAML::LoadAll, keeps a parse error in
// one document from hiding the others. A `---` or `...` at column 0 ends a
// document even inside a block scalar, so a line test is exact.
std::vector<Chunk> split_stream(const std::vector<std::string>& lines) {
  std::vector<Chunk> chunks(1);
  bool ended = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (is_marker_line(line, "---")) {
      chunks.push_back(Chunk{"", static_cast<int>(i), ""});
      ended = false;
      // Content after the marker (`--- {a: 1}`) stays at its column.
      chunks.back().text = std::string(3, ' ') + line.substr(3) + "\n";
      continue;
    }
    if (is_marker_line(line, "...")) {
      ended = true;
      continue;
    }
    if (ended) {
      if (!line.empty() && line[0] != '#') {
        chunks.push_back(Chunk{"", static_cast<int>(i), ""});
        ended = false;
      } else {
        continue;
      }
    }
    if (line.starts_with("# Source: ")) chunks.back().helm_source = line.substr(10);
    chunks.back().text += line + "\n";
  }
  return chunks;
}

Diagnostic parse_error(const SourceFile& file, int line, int column, const std::string& what) {
  SourceLocation location{file.path, line, column};
  return make_diagnostic(Severity::kError, file, location, what);
}

bool looks_like_task_definition(const YAML::Node& node) {
  return node.IsMap() && util::child(node, "containerDefinitions").IsDefined();
}

class DocumentCollector {
 public:
  DocumentCollector(Document base, std::vector<Document>& out)
      : base_(std::move(base)), out_(out) {}

  void collect(const YAML::Node& node) {
    if (!node || node.IsNull()) return;
    if (node.IsSequence()) {
      for (const auto& item : node) collect_task_definition(item);
      return;
    }
    if (!node.IsMap()) return;
    if (looks_like_task_definition(node) || util::child(node, "taskDefinition").IsMap()) {
      collect_task_definition(node);
      return;
    }
    std::string kind = util::child_text(node, "kind");
    if (kind.empty()) return;
    if (kind == "List" || (kind.size() > 4 && kind.ends_with("List"))) {
      YAML::Node items = util::child(node, "items");
      if (!items.IsSequence()) return;
      for (const auto& item : items)
        if (item.IsMap() && !util::child_text(item, "kind").empty())
          add(item, DocumentFormat::kKubernetes);
      return;
    }
    add(node, DocumentFormat::kKubernetes);
  }

 private:
  void collect_task_definition(const YAML::Node& node) {
    if (!node.IsMap()) return;
    YAML::Node wrapped = util::child(node, "taskDefinition");
    if (wrapped.IsMap() && looks_like_task_definition(wrapped)) {
      add(wrapped, DocumentFormat::kEcsTaskDefinition);
    } else if (looks_like_task_definition(node)) {
      add(node, DocumentFormat::kEcsTaskDefinition);
    }
  }

  void add(const YAML::Node& node, DocumentFormat format) {
    Document document = base_;
    document.root = node;
    document.format = format;
    out_.push_back(std::move(document));
  }

  Document base_;
  std::vector<Document>& out_;
};

std::vector<Document> load_json(const std::shared_ptr<SourceFile>& file, const std::string& text,
                                std::vector<Diagnostic>& diagnostics) {
  // yaml-cpp reads JSON as YAML flow syntax and gives marks, but accepts what
  // JSON forbids (comments, trailing commas, single quotes), so RapidJSON
  // checks the syntax first and reports JSON's own errors.
  rapidjson::Document json;
  json.Parse(text.c_str(), text.size());
  if (json.HasParseError()) {
    size_t offset = json.GetErrorOffset();
    int line = 1;
    int column = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    diagnostics.push_back(parse_error(
        *file, line, column,
        std::string("invalid JSON: ") + rapidjson::GetParseError_En(json.GetParseError())));
    return {};
  }
  std::vector<Document> documents;
  Document base;
  base.file = file;
  try {
    DocumentCollector(base, documents).collect(YAML::Load(text));
  } catch (const YAML::Exception& error) {
    diagnostics.push_back(parse_error(*file, error.mark.line + 1, error.mark.column + 1,
                                      "JSON that yaml-cpp cannot read: " + error.msg));
  }
  return documents;
}

std::vector<Document> load_yaml(const std::shared_ptr<SourceFile>& file,
                                std::vector<Diagnostic>& diagnostics) {
  std::vector<Document> documents;
  for (const Chunk& chunk : split_stream(file->lines)) {
    Document base;
    base.file = file;
    base.line_offset = chunk.first_line;
    base.helm_source = chunk.helm_source;
    try {
      DocumentCollector(base, documents).collect(YAML::Load(chunk.text));
    } catch (const YAML::Exception& error) {
      int line =
          error.mark.is_null() ? chunk.first_line + 1 : error.mark.line + chunk.first_line + 1;
      int column = error.mark.is_null() ? 0 : error.mark.column + 1;
      diagnostics.push_back(parse_error(*file, line, column, "invalid YAML: " + error.msg));
    }
  }
  return documents;
}

// Walks each mapping and sequence once. An alias shares its anchor's node,
// and so its mark; skipping marks already seen keeps a nested alias bomb
// (billion laughs) linear in the file's size.
void check_duplicate_keys_once(const Document& document, const YAML::Node& node,
                               std::set<std::pair<int, int>>& visited,
                               std::vector<Diagnostic>& diagnostics) {
  if (!node || !(node.IsSequence() || node.IsMap())) return;
  if (!visited.emplace(node.Mark().line, node.Mark().column).second) return;
  if (node.IsSequence()) {
    for (const auto& item : node) check_duplicate_keys_once(document, item, visited, diagnostics);
    return;
  }
  std::map<std::string, SourceLocation> seen;
  for (const auto& entry : node) {
    if (entry.first.IsScalar()) {
      SourceLocation location = document.locate(entry.first);
      auto [first, inserted] = seen.emplace(entry.first.Scalar(), location);
      if (!inserted) {
        diagnostics.push_back(make_diagnostic(
            Severity::kError, *document.file, location,
            "duplicate key \"" + entry.first.Scalar() + "\" (first at line " +
                std::to_string(first->second.line) + ", again at line " +
                std::to_string(location.line) +
                "); tools disagree on which value wins, so remove or merge one of them"));
      }
    }
    check_duplicate_keys_once(document, entry.second, visited, diagnostics);
  }
}

}  // namespace

void check_duplicate_keys(const Document& document, const YAML::Node& node,
                          std::vector<Diagnostic>& diagnostics) {
  std::set<std::pair<int, int>> visited;
  check_duplicate_keys_once(document, node, visited, diagnostics);
}

std::vector<Document> load_manifest_text(const std::string& path, const std::string& text,
                                         std::vector<Diagnostic>& diagnostics) {
  auto file = std::make_shared<SourceFile>();
  file->path = path;
  file->lines = text::split_lines(text);
  std::vector<Document> documents =
      is_json_path(path) ? load_json(file, text, diagnostics) : load_yaml(file, diagnostics);
  // Only manifests are checked, so a repeated key in an unrelated YAML file
  // (a workflow, Helm values) does not stop the run.
  for (const Document& document : documents)
    check_duplicate_keys(document, document.root, diagnostics);
  return documents;
}

std::vector<Document> load_manifest_file(const std::string& root, const std::string& path,
                                         std::vector<Diagnostic>& diagnostics) {
  std::ifstream stream(std::filesystem::path(root) / path, std::ios::binary);
  if (!stream) {
    Diagnostic diagnostic;
    diagnostic.location.file = path;
    diagnostic.message = "cannot read manifest \"" + path + "\"; check its permissions";
    diagnostics.push_back(std::move(diagnostic));
    return {};
  }
  std::ostringstream text;
  text << stream.rdbuf();
  return load_manifest_text(path, text.str(), diagnostics);
}

}  // namespace sp::manifest
