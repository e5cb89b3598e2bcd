#include "manifest/load.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <yaml-cpp/depthguard.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>

#include "manifest/encoding.h"
#include "manifest/node_checks.h"
#include "manifest/stream.h"
#include "manifest/yaml_scan.h"
#include "util/yaml_node.h"

namespace sp::manifest {
namespace {

using Severity = Diagnostic::Severity;

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

bool is_json_path(const std::string& path) { return path.ends_with(".json"); }

Diagnostic parse_error(const SourceFile& file, int line, int column, const std::string& what) {
  SourceLocation location{file.path, line, column};
  return make_diagnostic(Severity::kError, file, location, what);
}

// Returns the template action that starts at `offset` of `text`, up to its
// closing braces on the same line.
std::string template_action_at(std::string_view text, size_t offset) {
  size_t line_end = text.find('\n', offset);
  std::string_view rest = text.substr(
      offset, line_end == std::string_view::npos ? std::string_view::npos : line_end - offset);
  size_t close = rest.find("}}");
  if (close != std::string_view::npos) rest = rest.substr(0, close + 2);
  if (rest.size() > 80) return std::string(rest.substr(0, 77)) + "...";
  return std::string(rest);
}

std::string template_action_message(const std::string& action) {
  return "unrendered template action \"" + action +
         "\" where a YAML value starts; this file is a template, not a manifest. Render it "
         "first (for a Helm chart, `helm template`) and scan the output";
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

// Checks the documents of one parsed text and moves those that pass, and
// that options.keep accepts, to `out`.
void accept_documents(std::vector<Document>& parsed, const LoadOptions& options,
                      std::vector<Document>& out, std::vector<Diagnostic>& diagnostics) {
  for (Document& document : parsed) {
    if (!check_alias_expansion(document, diagnostics)) continue;
    // Only manifests are checked, so a repeated key in an unrelated YAML
    // file (a workflow, Helm values) does not stop the run.
    check_duplicate_keys(document, document.root, diagnostics);
    if (options.keep && !options.keep(document)) continue;
    out.push_back(std::move(document));
  }
}

// Returns the 1-based line and column of byte `offset` of `text`, whose
// first line is line `first_line` (0-based) of `file`.
SourceLocation location_in_text(const SourceFile& file, std::string_view text, size_t offset,
                                int first_line) {
  int line = first_line + 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {file.path, line, static_cast<int>(offset - line_start) + 1};
}

// Returns the error for the first problem the text scan finds in `text`.
std::optional<Diagnostic> scan_error(const SourceFile& file, std::string_view text,
                                     int first_line) {
  std::optional<TextFinding> finding = scan_yaml_text(text, kMaxNestingDepth);
  if (!finding) return std::nullopt;
  SourceLocation location = location_in_text(file, text, finding->offset, first_line);
  std::string message;
  if (finding->problem == TextProblem::kTemplateAction) {
    message = template_action_message(template_action_at(text, finding->offset));
  } else {
    message = "mappings and sequences nest deeper than " + std::to_string(kMaxNestingDepth) +
              " levels here, so the document is skipped. Manifests never nest this deep; "
              "check how the file was generated";
  }
  return make_diagnostic(Severity::kError, file, location, message);
}

void load_json(const std::shared_ptr<SourceFile>& file, const LoadOptions& options,
               std::vector<Document>& out, std::vector<Diagnostic>& diagnostics) {
  const std::string& text = file->text();
  // JSON is YAML flow syntax, so the same scan bounds the nesting that
  // yaml-cpp will recurse through and finds `{{` outside strings.
  if (auto error = scan_error(*file, text, 0)) {
    diagnostics.push_back(std::move(*error));
    return;
  }
  // yaml-cpp reads JSON as YAML flow syntax and gives marks, but accepts what
  // JSON forbids (comments, trailing commas, single quotes), so RapidJSON
  // checks the syntax first and reports JSON's own errors. Its iterative
  // parser uses no stack per nesting level.
  rapidjson::Document json;
  json.Parse<rapidjson::kParseIterativeFlag>(text.c_str(), text.size());
  if (json.HasParseError()) {
    SourceLocation location = file->location_at(json.GetErrorOffset());
    diagnostics.push_back(parse_error(
        *file, location.line, location.column,
        std::string("invalid JSON: ") + rapidjson::GetParseError_En(json.GetParseError())));
    return;
  }
  json = rapidjson::Document();
  Document base;
  base.file = file;
  std::vector<Document> parsed;
  try {
    DocumentCollector(base, parsed).collect(YAML::Load(text));
  } catch (const YAML::Exception& error) {
    diagnostics.push_back(parse_error(*file, error.mark.line + 1, error.mark.column + 1,
                                      "JSON that yaml-cpp cannot read: " + error.msg));
    return;
  }
  accept_documents(parsed, options, out, diagnostics);
}

void load_yaml_chunk(const std::shared_ptr<SourceFile>& file, const StreamChunk& chunk,
                     const LoadOptions& options, std::vector<Document>& out,
                     std::vector<Diagnostic>& diagnostics) {
  if (auto error = scan_error(*file, chunk.text, chunk.first_line)) {
    diagnostics.push_back(std::move(*error));
    return;
  }
  Document base;
  base.file = file;
  base.line_offset = chunk.first_line;
  base.helm_source = chunk.helm_source;
  std::vector<Document> parsed;
  try {
    DocumentCollector(base, parsed).collect(YAML::Load(chunk.text));
  } catch (const YAML::DeepRecursion& error) {
    diagnostics.push_back(
        parse_error(*file, chunk.first_line + 1, 0,
                    "invalid YAML: the document nests deeper than yaml-cpp's limit of " +
                        std::to_string(error.depth()) + " levels; the document is skipped"));
    return;
  } catch (const YAML::Exception& error) {
    int line = error.mark.is_null() ? chunk.first_line + 1 : error.mark.line + chunk.first_line + 1;
    int column = error.mark.is_null() ? 0 : error.mark.column + 1;
    diagnostics.push_back(parse_error(*file, line, column, "invalid YAML: " + error.msg));
    return;
  }
  accept_documents(parsed, options, out, diagnostics);
}

std::vector<Document> load_source(std::shared_ptr<SourceFile> file,
                                  std::vector<Diagnostic>& diagnostics,
                                  const LoadOptions& options) {
  if (std::optional<Diagnostic> error = check_encoding(*file)) {
    diagnostics.push_back(std::move(*error));
    return {};
  }
  std::vector<Document> documents;
  if (is_json_path(file->path)) {
    load_json(file, options, documents, diagnostics);
    return documents;
  }
  StreamSplitter splitter(*file);
  for (StreamChunk chunk; splitter.next(chunk);)
    load_yaml_chunk(file, chunk, options, documents, diagnostics);
  return documents;
}

// A UTF-8 byte order mark is dropped before parsing, so columns on the first
// line count from the first visible character, as editors show them.
std::string without_byte_order_mark(std::string text) {
  if (text.starts_with(kUtf8ByteOrderMark)) text.erase(0, kUtf8ByteOrderMark.size());
  return text;
}

Diagnostic file_error(const std::string& path, std::string message) {
  Diagnostic diagnostic;
  diagnostic.location.file = path;
  diagnostic.message = std::move(message);
  return diagnostic;
}

Diagnostic size_error(const std::string& path, std::uintmax_t size, std::uintmax_t limit,
                      bool size_known) {
  std::string size_text = size_known ? "is " + format_byte_size(size) : "is larger than that";
  return file_error(path, "manifest file " + size_text + ", over the " + format_byte_size(limit) +
                              " limit of --max-file-size, so it was not read. Raise the limit "
                              "(for example --max-file-size=256M) "
                              "or leave the file out of the scanned paths");
}

}  // namespace

std::optional<std::uintmax_t> parse_byte_size(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int shift = 0;
  switch (text.back()) {
    case 'K':
    case 'k':
      shift = 10;
      break;
    case 'M':
    case 'm':
      shift = 20;
      break;
    case 'G':
    case 'g':
      shift = 30;
      break;
    default:
      break;
  }
  if (shift != 0) text.remove_suffix(1);
  // 19 digits always fit in 64 bits, so only the shift can overflow.
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uintmax_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uintmax_t>(c - '0');
  }
  if (value > (UINTMAX_MAX >> shift)) return std::nullopt;
  return value << shift;
}

std::string format_byte_size(std::uintmax_t bytes) {
  constexpr std::uintmax_t kMebibyte = std::uintmax_t{1} << 20;
  if (bytes >= kMebibyte && bytes % kMebibyte == 0)
    return std::to_string(bytes / kMebibyte) + " MiB";
  if (bytes >= kMebibyte) {
    // One decimal place, rounded down, so that a size just over a limit never
    // prints as the limit itself.
    std::uintmax_t tenths = bytes * 10 / kMebibyte;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " MiB (" +
           std::to_string(bytes) + " bytes)";
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

std::vector<Document> load_manifest_text(const std::string& path, const std::string& text,
                                         std::vector<Diagnostic>& diagnostics,
                                         const LoadOptions& options) {
  auto file = std::make_shared<SourceFile>(path, without_byte_order_mark(text));
  return load_source(std::move(file), diagnostics, options);
}

std::vector<Document> load_manifest_file(const std::string& root, const std::string& path,
                                         std::vector<Diagnostic>& diagnostics,
                                         const LoadOptions& options) {
  std::filesystem::path full = std::filesystem::path(root) / path;
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(full, error);
  if (!error && options.max_file_size != 0 && size > options.max_file_size) {
    diagnostics.push_back(size_error(path, size, options.max_file_size, true));
    return {};
  }
  std::ifstream stream(full, std::ios::binary);
  if (!stream) {
    diagnostics.push_back(
        file_error(path, "cannot read manifest \"" + path + "\"; check its permissions"));
    return {};
  }
  // The size can change after the check, so reading stops one byte past the
  // limit whatever the file system reported.
  std::string text;
  if (!error) text.reserve(static_cast<size_t>(size));
  char buffer[1 << 16];
  while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(stream.gcount()));
    if (options.max_file_size != 0 && text.size() > options.max_file_size) {
      diagnostics.push_back(size_error(path, 0, options.max_file_size, false));
      return {};
    }
  }
  auto file = std::make_shared<SourceFile>(path, without_byte_order_mark(std::move(text)));
  return load_source(std::move(file), diagnostics, options);
}

}  // namespace sp::manifest
