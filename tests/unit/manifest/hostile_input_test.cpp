// Hostile and broken manifest input: each case gets an error with file,
// line and column, and the other documents still load.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "manifest/load.h"
#include "manifest/node_checks.h"
#include "manifest/yaml_scan.h"
#include "util/yaml_node.h"

namespace fs = std::filesystem;
using sp::Diagnostic;
using sp::manifest::load_manifest_text;

namespace {

const std::string kGoodAccount = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: good}\n";

std::string nested_flow(int depth) {
  return std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']');
}

std::string nested_block(int depth) {
  std::string text;
  for (int level = 0; level < depth; ++level)
    text += std::string(static_cast<size_t>(level), ' ') + "k:\n";
  return text;
}

}  // namespace

TEST_CASE("Binary file is an error at its first NUL byte", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  std::string text = kGoodAccount + "data: ab";
  text += '\0';
  text += "cd\n";
  auto documents = load_manifest_text("image.yaml", text, diagnostics);
  CHECK(documents.empty());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].severity == Diagnostic::Severity::kError);
  CHECK(diagnostics[0].location.file == "image.yaml");
  CHECK(diagnostics[0].location.line == 4);
  CHECK(diagnostics[0].location.column == 9);
  CHECK(diagnostics[0].message ==
        "binary file: NUL byte where YAML and JSON allow only text; remove the file from the "
        "scanned paths or rename it so that it does not end in .yaml, .yml or .json");
  CHECK(diagnostics[0].source_line == "data: ab?cd");
}

TEST_CASE("NUL in first 8000 bytes means binary", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  load_manifest_text("logo.yaml", png, diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.line == 3);
  CHECK(diagnostics[0].location.column == 1);
  CHECK(diagnostics[0].message.starts_with("binary file: NUL byte"));
}

TEST_CASE("Invalid UTF-8 names the first bad byte", "[manifest]") {
  struct Case {
    std::string bytes;
    std::string hex;
  };
  std::vector<Case> cases = {
      {"\xE9", "0xE9"},              // Latin-1 e-acute
      {"\xC0\xAF", "0xC0"},          // overlong '/'
      {"\xED\xA0\x80", "0xED"},      // UTF-16 surrogate
      {"\xF4\x90\x80\x80", "0xF4"},  // above U+10FFFF
      {"\xE2\x82", "0xE2"},          // truncated at the end of the line
  };
  for (const auto& test : cases) {
    INFO(test.hex);
    std::vector<Diagnostic> diagnostics;
    auto documents = load_manifest_text(
        "latin1.yaml", kGoodAccount + "note: caf" + test.bytes + "\n", diagnostics);
    CHECK(documents.empty());
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 4);
    CHECK(diagnostics[0].location.column == 10);
    CHECK(diagnostics[0].message ==
          "invalid UTF-8: byte " + test.hex +
              " does not start or continue a valid UTF-8 sequence, and YAML and JSON manifests "
              "must be UTF-8; convert the file to UTF-8 (for example with iconv), or remove it "
              "from the scanned paths");
    CHECK(diagnostics[0].source_line.starts_with("note: caf?"));
  }
}

TEST_CASE("Valid UTF-8 and a UTF-8 byte order mark load", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text(
      "bom.yaml", "\xEF\xBB\xBF---\n" + kGoodAccount + "note: caf\xC3\xA9 \xF0\x9F\x94\x91\n",
      diagnostics);
  CHECK(diagnostics.empty());
  REQUIRE(documents.size() == 1);
  CHECK(documents[0].locate(documents[0].root).line == 2);
}

TEST_CASE("UTF-16 and UTF-32 files are errors", "[manifest]") {
  for (std::string mark : {std::string("\xFF\xFE"), std::string("\xFE\xFF"),
                           std::string("\xFF\xFE\0\0", 4), std::string("\0\0\xFE\xFF", 4)}) {
    std::vector<Diagnostic> diagnostics;
    auto documents = load_manifest_text("wide.yaml", mark + "k\0i\0n\0d\0", diagnostics);
    CHECK(documents.empty());
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 1);
    std::string encoding = mark.size() == 4 ? "UTF-32" : "UTF-16";
    CHECK(diagnostics[0].message.starts_with("manifest is encoded as " + encoding));
  }
}

TEST_CASE("Deep nesting is an error before yaml-cpp parses it", "[manifest]") {
  const int too_deep = sp::manifest::kMaxNestingDepth + 1;
  SECTION("flow sequences") {
    std::vector<Diagnostic> diagnostics;
    auto documents = load_manifest_text(
        "deep.yaml", kGoodAccount + "---\nkind: ConfigMap\ndata: " + nested_flow(too_deep) + "\n",
        diagnostics);
    CHECK(documents.size() == 1);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 6);
    // `kind:` and `data:` make one block mapping level, so the bracket that
    // crosses the limit is the 200th.
    CHECK(diagnostics[0].location.column == 7 + sp::manifest::kMaxNestingDepth - 1);
    CHECK(diagnostics[0].message ==
          "mappings and sequences nest deeper than 200 levels here, so the document is "
          "skipped. Manifests never nest this deep; check how the file was generated");
  }
  SECTION("block mappings") {
    std::vector<Diagnostic> diagnostics;
    auto documents = load_manifest_text(
        "deep.yaml", nested_block(too_deep) + "---\n" + kGoodAccount, diagnostics);
    CHECK(documents.size() == 1);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == too_deep);
    CHECK(diagnostics[0].location.column == too_deep);
    CHECK(diagnostics[0].source_line == std::string(static_cast<size_t>(too_deep - 1), ' ') + "k:");
  }
  SECTION("compact sequences on one line") {
    std::vector<Diagnostic> diagnostics;
    std::string dashes;
    for (int level = 0; level < too_deep; ++level) dashes += "- ";
    load_manifest_text("deep.yaml", dashes + "x\n", diagnostics);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 1);
  }
  SECTION("JSON arrays") {
    std::vector<Diagnostic> diagnostics;
    load_manifest_text("deep.json", "{\"a\": " + nested_flow(too_deep) + "}", diagnostics);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 1);
    // The scan counts the line as a block level too, one more than YAML.
    CHECK(diagnostics[0].location.column == 7 + sp::manifest::kMaxNestingDepth - 2);
  }
  SECTION("a million levels stay fast") {
    auto started = std::chrono::steady_clock::now();
    std::vector<Diagnostic> diagnostics;
    load_manifest_text("deep.yaml", nested_flow(1'000'000), diagnostics);
    load_manifest_text("deep.json", nested_flow(1'000'000), diagnostics);
    CHECK(diagnostics.size() == 2);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  }
}

TEST_CASE("Nesting scan allows real manifests", "[manifest]") {
  const int depth = sp::manifest::kMaxNestingDepth - 10;
  std::string brackets(300, '[');
  std::vector<std::string> texts = {
      // Brackets inside scalars and comments are text, not nesting.
      "kind: ConfigMap\ndata:\n  a: \"" + brackets + "\"\n  b: '" + brackets + "'\n  c: |\n    " +
          brackets + "\n  d: x" + brackets + " # " + brackets + "\n",
      "kind: ConfigMap\ndata: " + nested_flow(depth) + "\n",
      nested_block(depth),
      // A sequence at its parent mapping's indentation counts as a level.
      "a:\n- b:\n  - c:\n    - d\n",
  };
  for (const auto& text : texts) {
    INFO(text.substr(0, 60));
    CHECK_FALSE(sp::manifest::scan_yaml_text(text, sp::manifest::kMaxNestingDepth));
  }
  auto finding = sp::manifest::scan_yaml_text("a:\n- b:\n  - c:\n    - d\n", 5);
  REQUIRE(finding);
  CHECK(finding->problem == sp::manifest::TextProblem::kExcessNesting);
  CHECK(finding->offset == 19);
}

TEST_CASE("Unrendered template action is an error", "[manifest]") {
  SECTION("as a value") {
    std::vector<Diagnostic> diagnostics;
    auto documents = load_manifest_text("chart/sa.yaml",
                                        "apiVersion: v1\n"
                                        "kind: ServiceAccount\n"
                                        "metadata:\n"
                                        "  name: {{ .Values.name }}\n"
                                        "---\n" +
                                            kGoodAccount,
                                        diagnostics);
    CHECK(documents.size() == 1);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 4);
    CHECK(diagnostics[0].location.column == 9);
    CHECK(diagnostics[0].message ==
          "unrendered template action \"{{ .Values.name }}\" where a YAML value starts; this "
          "file is a template, not a manifest. Render it first (for a Helm chart, `helm "
          "template`) and scan the output");
    CHECK(diagnostics[0].source_line == "  name: {{ .Values.name }}");
  }
  SECTION("as a control line") {
    std::vector<Diagnostic> diagnostics;
    load_manifest_text("chart/sa.yaml",
                       "{{- if .Values.enabled }}\n" + kGoodAccount + "{{- end }}\n", diagnostics);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 1);
    CHECK(diagnostics[0].location.column == 1);
  }
  SECTION("in a sequence entry") {
    std::vector<Diagnostic> diagnostics;
    load_manifest_text("chart/sa.yaml", kGoodAccount + "secrets:\n  - {{ .Values.secret }}\n",
                       diagnostics);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 5);
    CHECK(diagnostics[0].location.column == 5);
  }
  SECTION("in JSON") {
    std::vector<Diagnostic> diagnostics;
    load_manifest_text("td.json", "{\"family\": \"a\",\n \"cpu\": {{ must_env `CPU` }}}",
                       diagnostics);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].location.line == 2);
    CHECK(diagnostics[0].location.column == 9);
    CHECK(
        diagnostics[0].message.starts_with("unrendered template action \"{{ must_env `CPU` }}\""));
  }
  SECTION("inside scalars it is text") {
    std::vector<Diagnostic> diagnostics;
    auto documents = load_manifest_text("cm.yaml",
                                        "kind: ConfigMap\n"
                                        "metadata:\n"
                                        "  name: \"{{ .Values.name }}\"\n"
                                        "  labels: {tag: 'v{{ .Chart.Version }}'}\n"
                                        "data:\n"
                                        "  image: repo:{{ .Values.tag }}\n"
                                        "  alert.tmpl: |\n"
                                        "    {{ range .Alerts }}{{ .Labels }}{{ end }}\n"
                                        "  # {{ .Values.comment }}\n",
                                        diagnostics);
    CHECK(diagnostics.empty());
    CHECK(documents.size() == 1);
  }
}

TEST_CASE("Alias bomb is skipped in linear time", "[manifest]") {
  // Twelve levels of nine aliases each would expand to 9^12 nodes.
  std::string text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n";
  text += "  l0: &l0 [x, x, x, x, x, x, x, x, x]\n";
  for (int level = 1; level <= 12; ++level) {
    std::string previous = "*l" + std::to_string(level - 1);
    text += "  l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 9; ++i) text += (i ? ", " : "") + previous;
    text += "]\n";
  }
  text += "---\n" + kGoodAccount;
  auto started = std::chrono::steady_clock::now();
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text("bomb.yaml", text, diagnostics);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  REQUIRE(documents.size() == 1);
  CHECK(sp::util::child_text(documents[0].root, "kind") == "ServiceAccount");
  REQUIRE(diagnostics.size() == 1);
  // Level k expands to 1 + 9 * (level k-1) nodes: l5 to 597,871 and l6 to
  // 5,380,840, so l6 is the smallest collection over the limit. yaml-cpp
  // marks it at its anchor.
  CHECK(diagnostics[0].location.line == 11);
  CHECK(diagnostics[0].location.column == 7);
  CHECK(diagnostics[0].message ==
        "YAML aliases expand this collection to more than 1000000 nodes (an alias bomb); the "
        "document is skipped. Replace the aliases with the values they stand for");
}

TEST_CASE("Aliases within the limit load", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text("anchors.yaml",
                                      "kind: Deployment\n"
                                      "spec:\n"
                                      "  env: &env [{name: A, value: b}]\n"
                                      "  containers:\n"
                                      "    - {name: a, env: *env}\n"
                                      "    - {name: b, env: *env}\n",
                                      diagnostics);
  CHECK(diagnostics.empty());
  CHECK(documents.size() == 1);
}

TEST_CASE("Keep callback drops documents as they load", "[manifest]") {
  sp::manifest::LoadOptions options;
  std::vector<std::string> seen;
  options.keep = [&seen](const sp::manifest::Document& document) {
    std::string kind = sp::util::child_text(document.root, "kind");
    seen.push_back(kind);
    return kind != "ConfigMap";
  };
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text(
      "mixed.yaml", kGoodAccount + "---\nkind: ConfigMap\n---\nkind: Broken: [\n---\nkind: Pod\n",
      diagnostics, options);
  CHECK(seen == std::vector<std::string>{"ServiceAccount", "ConfigMap", "Pod"});
  REQUIRE(documents.size() == 2);
  CHECK(sp::util::child_text(documents[1].root, "kind") == "Pod");
  CHECK(documents[1].locate(documents[1].root).line == 9);
  CHECK(diagnostics.size() == 1);
}

TEST_CASE("Windows line endings keep positions", "[manifest]") {
  std::vector<Diagnostic> diagnostics;
  auto documents = load_manifest_text(
      "crlf.yaml", "kind: ServiceAccount\r\nmetadata:\r\n  name: a\r\n  name: b\r\n", diagnostics);
  REQUIRE(documents.size() == 1);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.line == 4);
  CHECK(diagnostics[0].location.column == 3);
  CHECK(diagnostics[0].source_line == "  name: b");
}

TEST_CASE("File over the size limit is not read", "[manifest]") {
  fs::path root = fs::temp_directory_path() / ("sp-size-" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::ofstream(root / "big.yaml") << kGoodAccount << std::string(2000, '#') << '\n';
  sp::manifest::LoadOptions options;
  options.max_file_size = 1500;
  std::vector<Diagnostic> diagnostics;
  auto documents =
      sp::manifest::load_manifest_file(root.string(), "big.yaml", diagnostics, options);
  CHECK(documents.empty());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].severity == Diagnostic::Severity::kError);
  CHECK(diagnostics[0].location.file == "big.yaml");
  CHECK(diagnostics[0].location.line == 0);
  CHECK(diagnostics[0].message ==
        "manifest file is 2060 bytes, over the 1500 bytes limit of --max-file-size, so it was "
        "not read. Raise the limit (for example --max-file-size=256M) or leave the file out of "
        "the scanned paths");

  diagnostics.clear();
  options.max_file_size = 0;
  documents = sp::manifest::load_manifest_file(root.string(), "big.yaml", diagnostics, options);
  CHECK(diagnostics.empty());
  CHECK(documents.size() == 1);
  fs::remove_all(root);
}

TEST_CASE("Byte sizes parse with binary suffixes", "[manifest]") {
  using sp::manifest::parse_byte_size;
  CHECK(parse_byte_size("0") == 0u);
  CHECK(parse_byte_size("1500") == 1500u);
  CHECK(parse_byte_size("512K") == 512u * 1024);
  CHECK(parse_byte_size("64M") == 64u << 20);
  CHECK(parse_byte_size("2g") == std::uintmax_t{2} << 30);
  CHECK_FALSE(parse_byte_size(""));
  CHECK_FALSE(parse_byte_size("M"));
  CHECK_FALSE(parse_byte_size("-1"));
  CHECK_FALSE(parse_byte_size("1.5M"));
  CHECK_FALSE(parse_byte_size("64MB"));
  CHECK_FALSE(parse_byte_size("99999999999999999G"));
  CHECK(sp::manifest::format_byte_size(std::uintmax_t{64} << 20) == "64 MiB");
  CHECK(sp::manifest::format_byte_size((std::uintmax_t{100} << 20) + 1) ==
        "100.0 MiB (104857601 bytes)");
}

TEST_CASE("Long source lines are cut in diagnostics", "[manifest]") {
  using sp::manifest::kMaxQuotedLineBytes;
  std::vector<Diagnostic> diagnostics;
  load_manifest_text("min.json", "{\"a\": [" + std::string(100'000, ' ') + "x]}", diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.column == 100'008);
  CHECK(diagnostics[0].source_line.empty());

  diagnostics.clear();
  std::string tail(2 * kMaxQuotedLineBytes, 'y');
  load_manifest_text("min.json", "{\"a\": x" + tail + "}", diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].location.column == 7);
  CHECK(diagnostics[0].source_line.size() == kMaxQuotedLineBytes + 4);
  CHECK(diagnostics[0].source_line.ends_with("y ..."));

  CHECK(sp::manifest::quote_source_line(std::string(kMaxQuotedLineBytes - 1, 'a') + "\xC3\xA9zz", 1)
            .ends_with("a ..."));
}
