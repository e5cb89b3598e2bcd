// Reading a JSON report back, for `merge` and the tests.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <fstream>
#include <sstream>

#include "report/json_report.h"

namespace sp::report {
namespace {

using Value = rapidjson::Value;

// Reads fields of one JSON object; errors name the source and the field's
// path in the document, e.g. "edges[2].reference.line".
class ObjectReader {
 public:
  ObjectReader(const Value& value, std::string path, std::string_view source)
      : value_(value), path_(std::move(path)), source_(source) {
    if (!value_.IsObject()) fail(path_, "an object");
  }

  bool has(const char* key) const { return value_.HasMember(key); }

  std::string string(const char* key, bool required = true) const {
    const Value* member = find(key, required);
    if (member == nullptr) return {};
    if (!member->IsString()) fail(field_path(key), "a string");
    return std::string(member->GetString(), member->GetStringLength());
  }

  int integer(const char* key, bool required = true) const {
    const Value* member = find(key, required);
    if (member == nullptr) return 0;
    // Every integer of the report is a count, a position or a status.
    if (!member->IsInt() || member->GetInt() < 0) fail(field_path(key), "a whole number of 0 or more");
    return member->GetInt();
  }

  bool boolean(const char* key) const {
    const Value* member = find(key, true);
    if (!member->IsBool()) fail(field_path(key), "true or false");
    return member->GetBool();
  }

  ObjectReader object(const char* key) const {
    return ObjectReader(*find(key, true), field_path(key), source_);
  }

  /// Returns the array at `key`, or an empty array when it is absent and
  /// not required.
  const Value& array(const char* key, bool required = true) const {
    static const Value empty(rapidjson::kArrayType);
    const Value* member = find(key, required);
    if (member == nullptr) return empty;
    if (!member->IsArray()) fail(field_path(key), "an array");
    return *member;
  }

  std::string field_path(const char* key) const {
    return path_.empty() ? std::string(key) : path_ + "." + key;
  }

  [[noreturn]] void fail(const std::string& field, const char* expected) const {
    if (field.empty())
      throw ReportError(std::string(source_) + ": invalid report: the document must be " + expected);
    throw ReportError(std::string(source_) + ": invalid report: \"" + field + "\" must be " +
                      expected);
  }

 private:
  const Value* find(const char* key, bool required) const {
    auto member = value_.FindMember(key);
    if (member == value_.MemberEnd()) {
      if (required) fail(field_path(key), "present");
      return nullptr;
    }
    return &member->value;
  }

  const Value& value_;
  std::string path_;
  std::string_view source_;
};

// A plan's resolved edges have no verdict: they were never probed, which
// reads back as inconclusive so that no such edge can pass as ok.
Verdict read_verdict(const ObjectReader& edge, bool plan) {
  if (plan && !edge.has("verdict")) return Verdict::kInconclusive;
  std::string text = edge.string("verdict");
  std::optional<Verdict> verdict = parse_verdict(text);
  if (!verdict) edge.fail(edge.field_path("verdict"), "a known verdict");
  return *verdict;
}

Layer read_layer(const ObjectReader& edge) {
  if (!edge.has("layer")) return Layer::kNone;
  std::optional<Layer> layer = parse_layer(edge.string("layer"));
  if (!layer) edge.fail(edge.field_path("layer"), "a known layer");
  return *layer;
}

SecretReference read_reference(const ObjectReader& reader) {
  SecretReference reference;
  reference.location.file = reader.string("file");
  reference.location.line = reader.integer("line");
  reference.location.column = reader.integer("column");
  reference.kind = reader.string("kind");
  reference.path = reader.string("path");
  return reference;
}

SecretTarget read_secret(const ObjectReader& reader) {
  SecretTarget secret;
  secret.provider = reader.string("provider");
  secret.service = reader.string("service");
  secret.id = reader.string("id");
  secret.region = reader.string("region");
  secret.account = reader.string("account", false);
  secret.json_key = reader.string("json_key", false);
  secret.version_stage = reader.string("version_stage", false);
  secret.version_id = reader.string("version_id", false);
  secret.parameter_selector = reader.string("parameter_selector", false);
  return secret;
}

RuntimeIdentity read_identity(const ObjectReader& reader, std::string_view source) {
  RuntimeIdentity identity;
  identity.provider = reader.string("provider");
  identity.principal = reader.string("principal");
  const Value& chain = reader.array("chain");
  for (rapidjson::SizeType i = 0; i < chain.Size(); ++i) {
    ObjectReader step(chain[i], reader.field_path("chain") + "[" + std::to_string(i) + "]",
                      source);
    identity.chain.push_back({step.string("step"), {step.string("file"), step.integer("line")}});
  }
  return identity;
}

ProviderError read_provider_error(const ObjectReader& reader) {
  ProviderError error;
  error.code = reader.string("code");
  error.request_id = reader.string("request_id");
  error.http_status = reader.integer("http_status", false);
  error.message = reader.string("message", false);
  return error;
}

EdgeResult read_edge(const ObjectReader& reader, std::string_view source, bool plan) {
  EdgeResult result;
  PermissionEdge& edge = result.edge;
  edge.reference = read_reference(reader.object("reference"));
  edge.secret = read_secret(reader.object("secret"));
  edge.identity = read_identity(reader.object("identity"), source);
  edge.operation = reader.string("operation");
  result.verdict = read_verdict(reader, plan);
  result.layer = read_layer(reader);
  if (reader.has("provider_error"))
    result.provider_error = read_provider_error(reader.object("provider_error"));
  result.message = reader.string("message", false);
  result.fix = reader.string("fix", false);
  edge.unresolved_reason = reader.string("unresolved_reason", false);
  if (reader.has("ignored")) result.ignored_reason = reader.object("ignored").string("reason");
  result.operator_note = reader.string("operator_note", false);
  result.simulated = reader.has("simulated") && reader.boolean("simulated");
  const Value& assumptions = reader.array("assumptions", false);
  for (rapidjson::SizeType i = 0; i < assumptions.Size(); ++i) {
    if (!assumptions[i].IsString())
      reader.fail(reader.field_path("assumptions") + "[" + std::to_string(i) + "]", "a string");
    edge.assumptions.emplace_back(assumptions[i].GetString(), assumptions[i].GetStringLength());
  }
  return result;
}

Diagnostic read_diagnostic(const ObjectReader& reader) {
  Diagnostic diagnostic;
  diagnostic.location.file = reader.string("file");
  diagnostic.location.line = reader.integer("line");
  diagnostic.location.column = reader.integer("column");
  diagnostic.message = reader.string("message");
  std::string severity = reader.string("severity");
  if (severity == "error") diagnostic.severity = Diagnostic::Severity::kError;
  else if (severity == "warning") diagnostic.severity = Diagnostic::Severity::kWarning;
  else if (severity == "note") diagnostic.severity = Diagnostic::Severity::kNote;
  else reader.fail(reader.field_path("severity"), "error, warning or note");
  return diagnostic;
}

std::vector<int> read_int_array(const ObjectReader& reader, const char* key) {
  const Value& array = reader.array(key);
  std::vector<int> values;
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    if (!array[i].IsInt())
      reader.fail(reader.field_path(key) + "[" + std::to_string(i) + "]", "an integer");
    values.push_back(array[i].GetInt());
  }
  return values;
}

void read_partial_run_fields(const ObjectReader& root, RunReport& run) {
  if (root.has("shard")) {
    ObjectReader shard = root.object("shard");
    run.shard = ShardInfo{shard.integer("index"), shard.integer("count"),
                          shard.integer("plan_edges"), shard.string("plan_digest")};
  }
  if (root.has("merge")) {
    ObjectReader merge = root.object("merge");
    run.merge = MergeInfo{merge.integer("shard_count"), read_int_array(merge, "merged_shards"),
                          read_int_array(merge, "missing_shards"), merge.integer("plan_edges"),
                          merge.string("plan_digest")};
  }
  if (root.has("changed_only")) {
    ObjectReader changed = root.object("changed_only");
    run.changed_only = ChangedOnlyInfo{changed.string("since"), changed.integer("changed_files"),
                                       changed.boolean("config_changed"),
                                       changed.integer("plan_edges"),
                                       changed.integer("skipped_edges")};
  }
}

}  // namespace

RunReport parse_json_report(std::string_view text, std::string_view source) {
  rapidjson::Document document;
  // Iterative, so that deep nesting in a foreign file cannot overflow the stack.
  document.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (document.HasParseError())
    throw ReportError(std::string(source) + ": invalid JSON at offset " +
                      std::to_string(document.GetErrorOffset()) + ": " +
                      rapidjson::GetParseError_En(document.GetParseError()));

  ObjectReader root(document, "", source);
  std::string schema = root.string("schema");
  if (schema != kReportSchema)
    throw ReportError(std::string(source) + ": unsupported report schema \"" + schema +
                      "\"; this version reads \"" + std::string(kReportSchema) + "\"");

  RunReport run;
  run.mode = root.string("mode");
  run.started_at = root.string("started_at");
  run.finished_at = root.string("finished_at");
  run.passed_gate = root.object("summary").boolean("passed_gate");
  read_partial_run_fields(root, run);

  const Value& edges = root.array("edges");
  for (rapidjson::SizeType i = 0; i < edges.Size(); ++i)
    run.results.push_back(
        read_edge(ObjectReader(edges[i], "edges[" + std::to_string(i) + "]", source), source,
                  run.mode == "plan"));

  const Value& diagnostics = root.array("diagnostics", false);
  for (rapidjson::SizeType i = 0; i < diagnostics.Size(); ++i)
    run.diagnostics.push_back(read_diagnostic(
        ObjectReader(diagnostics[i], "diagnostics[" + std::to_string(i) + "]", source)));

  const Value& notices = root.array("notices", false);
  for (rapidjson::SizeType i = 0; i < notices.Size(); ++i) {
    if (!notices[i].IsString()) root.fail("notices[" + std::to_string(i) + "]", "a string");
    run.notices.emplace_back(notices[i].GetString(), notices[i].GetStringLength());
  }
  return run;
}

RunReport read_report(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ReportError("failed to open report \"" + path + "\"");
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) throw ReportError("failed to read report \"" + path + "\"");
  return parse_json_report(content.str(), path);
}

}  // namespace sp::report
