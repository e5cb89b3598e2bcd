// Detecting values that are still templates (Helm, envsubst, sed tokens,
// hand-edited samples) and so cannot be probed.
#pragma once

#include <string>
#include <string_view>

namespace sp::resolve {

/// Returns the first placeholder in `value` as written (`{{ .Values.role }}`,
/// `${DB_ARN}`, `$(VAR)`, `__NAME__`, `<REGION>`, `REPLACE_ME`,
/// `[PROJECT_ID]`, `\(env.X)`, or an ARN whose region or account field is a
/// word such as `region`), or empty when the value looks final.
std::string find_placeholder(std::string_view value);

}  // namespace sp::resolve
