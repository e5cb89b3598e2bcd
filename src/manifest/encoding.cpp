#include "manifest/encoding.h"

#include <cstdio>
#include <string_view>

namespace sp::manifest {
namespace {

constexpr size_t kBinaryProbeSize = 8000;

// Returns the length of the valid UTF-8 sequence at `text[at]`, or 0 when
// the bytes there do not form one.
size_t utf8_sequence_length(std::string_view text, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  if (byte(at + 1) < min_second || byte(at + 1) > max_second) return 0;
  for (size_t i = 2; i < length; ++i)
    if (byte(at + i) < 0x80 || byte(at + i) > 0xBF) return 0;
  return length;
}

std::string hex_byte(unsigned char byte) {
  char text[5];
  std::snprintf(text, sizeof text, "0x%02X", byte);
  return text;
}

// The source line with every byte outside printable ASCII and valid UTF-8
// replaced by `?`, so that reports stay valid UTF-8 and the caret, which
// counts bytes, still lines up.
std::string printable_line(std::string_view line) {
  std::string printable;
  for (size_t at = 0; at < line.size();) {
    size_t length = utf8_sequence_length(line, at);
    if (length == 0 || line[at] == '\0') {
      printable += '?';
      ++at;
      continue;
    }
    printable.append(line.substr(at, length));
    at += length;
  }
  return printable;
}

Diagnostic encoding_error(const SourceFile& file, size_t offset, std::string message) {
  Diagnostic diagnostic;
  diagnostic.location = file.location_at(offset);
  // One byte past the quoted length is enough for quote_source_line() to
  // see that the line is longer.
  std::string_view line = file.line_view(diagnostic.location.line);
  diagnostic.source_line = quote_source_line(
      printable_line(line.substr(0, kMaxQuotedLineBytes + 1)), diagnostic.location.column);
  diagnostic.message = std::move(message);
  return diagnostic;
}

Diagnostic binary_error(const SourceFile& file, size_t offset) {
  return encoding_error(file, offset,
                        "binary file: NUL byte where YAML and JSON allow only text; remove the "
                        "file from the scanned paths or rename it so that it does not end in "
                        ".yaml, .yml or .json");
}

}  // namespace

std::optional<Diagnostic> check_encoding(const SourceFile& file) {
  std::string_view text = file.text();
  const std::string convert_hint =
      "; convert the file to UTF-8 (for example with iconv), or remove it from the scanned "
      "paths";
  // UTF-32 LE starts with the UTF-16 LE mark, so it is tested first.
  if (text.starts_with(std::string_view("\xFF\xFE\0\0", 4)) ||
      text.starts_with(std::string_view("\0\0\xFE\xFF", 4))) {
    Diagnostic diagnostic;
    diagnostic.location = {file.path, 1, 1};
    diagnostic.message =
        "manifest is encoded as UTF-32 (it starts with a UTF-32 byte order "
        "mark), which secret-preflight does not read" +
        convert_hint;
    return diagnostic;
  }
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    Diagnostic diagnostic;
    diagnostic.location = {file.path, 1, 1};
    diagnostic.message =
        "manifest is encoded as UTF-16 (it starts with a UTF-16 byte order "
        "mark), which secret-preflight does not read" +
        convert_hint;
    return diagnostic;
  }
  // A NUL byte in the first 8000 bytes marks a binary file, as in git's
  // buffer_is_binary() (xdiff-interface.c). It is tested first so that an
  // image reads as binary rather than as invalid UTF-8 at its first high byte.
  size_t first_nul = text.substr(0, kBinaryProbeSize).find('\0');
  if (first_nul != std::string_view::npos) return binary_error(file, first_nul);
  for (size_t at = 0; at < text.size();) {
    if (text[at] == '\0') return binary_error(file, at);
    size_t length = utf8_sequence_length(text, at);
    if (length == 0) {
      return encoding_error(
          file, at,
          "invalid UTF-8: byte " + hex_byte(static_cast<unsigned char>(text[at])) +
              " does not start or continue a valid UTF-8 sequence, and YAML and JSON "
              "manifests must be UTF-8" +
              convert_hint);
    }
    at += length;
  }
  return std::nullopt;
}

}  // namespace sp::manifest
