// Checks that a manifest file is UTF-8 text before any parser reads it.
#pragma once

#include <optional>

#include "core/model.h"
#include "manifest/document.h"

namespace sp::manifest {

/// Returns an error for a file that is not UTF-8 text. Such a file starts
/// with a UTF-16 or UTF-32 byte order mark, contains a NUL byte (a binary
/// file), or contains a byte sequence that RFC 3629 rejects (overlong
/// forms, surrogates, code points above U+10FFFF). The error points at the
/// first such byte. Returns nullopt for valid UTF-8, with or without a
/// UTF-8 byte order mark.
std::optional<Diagnostic> check_encoding(const SourceFile& file);

}  // namespace sp::manifest
