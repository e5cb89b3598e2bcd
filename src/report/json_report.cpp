#include "report/json_report.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "util/redaction.h"

namespace sp::report {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

std::string_view to_string(Diagnostic::Severity severity) {
  switch (severity) {
    case Diagnostic::Severity::kError: return "error";
    case Diagnostic::Severity::kWarning: return "warning";
    case Diagnostic::Severity::kNote: return "note";
  }
  return "error";
}

void write_string(Writer& writer, std::string_view text) {
  std::string redacted = redaction::redact(text);
  writer.String(redacted.data(), static_cast<rapidjson::SizeType>(redacted.size()));
}

void write_field(Writer& writer, const char* key, std::string_view value) {
  writer.Key(key);
  write_string(writer, value);
}

void write_optional_field(Writer& writer, const char* key, std::string_view value) {
  if (!value.empty()) write_field(writer, key, value);
}

void write_summary(Writer& writer, const RunReport& run) {
  writer.Key("summary");
  writer.StartObject();
  writer.Key("edges");
  writer.Int(static_cast<int>(run.results.size()));
  for (const auto& [verdict, count] : count_verdicts(probed_results(run))) {
    std::string_view name = sp::to_string(verdict);
    writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    writer.Int(count);
  }
  int ignored = 0;
  for (const EdgeResult& result : run.results) ignored += result.ignored_reason ? 1 : 0;
  writer.Key("ignored");
  writer.Int(ignored);
  writer.Key("passed_gate");
  writer.Bool(run.passed_gate);
  writer.EndObject();
}

void write_reference(Writer& writer, const SecretReference& reference) {
  writer.Key("reference");
  writer.StartObject();
  write_field(writer, "file", reference.location.file);
  writer.Key("line");
  writer.Int(reference.location.line);
  writer.Key("column");
  writer.Int(reference.location.column);
  write_field(writer, "kind", reference.kind);
  write_field(writer, "path", reference.path);
  writer.EndObject();
}

void write_secret(Writer& writer, const SecretTarget& secret) {
  writer.Key("secret");
  writer.StartObject();
  write_field(writer, "provider", secret.provider);
  write_field(writer, "service", secret.service);
  write_field(writer, "id", secret.id);
  write_field(writer, "region", secret.region);
  write_optional_field(writer, "account", secret.account);
  write_optional_field(writer, "json_key", secret.json_key);
  write_optional_field(writer, "version_stage", secret.version_stage);
  write_optional_field(writer, "version_id", secret.version_id);
  write_optional_field(writer, "parameter_selector", secret.parameter_selector);
  writer.EndObject();
}

void write_identity(Writer& writer, const RuntimeIdentity& identity) {
  writer.Key("identity");
  writer.StartObject();
  write_field(writer, "provider", identity.provider);
  write_field(writer, "principal", identity.principal);
  writer.Key("chain");
  writer.StartArray();
  for (const ChainStep& step : identity.chain) {
    writer.StartObject();
    write_field(writer, "step", step.step);
    write_field(writer, "file", step.location.file);
    writer.Key("line");
    writer.Int(step.location.line);
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
}

// The provider's message is kept, redacted like every other string. It comes
// from a failed call, which returned no secret value. It names the principal,
// action, resource and, for AWS, the policy type. The report contains those
// already, and the message is the evidence for `layer`.
void write_provider_error(Writer& writer, const ProviderError& error) {
  writer.Key("provider_error");
  writer.StartObject();
  write_field(writer, "code", error.code);
  write_field(writer, "request_id", error.request_id);
  if (error.http_status != 0) {
    writer.Key("http_status");
    writer.Int(error.http_status);
  }
  write_optional_field(writer, "message", error.message);
  writer.EndObject();
}

void write_edge(Writer& writer, const RunReport& run, const EdgeResult& result) {
  const PermissionEdge& edge = result.edge;
  writer.StartObject();
  write_reference(writer, edge.reference);
  write_secret(writer, edge.secret);
  write_identity(writer, edge.identity);
  write_field(writer, "operation", edge.operation);
  if (!is_unprobed(run, result)) write_field(writer, "verdict", sp::to_string(result.verdict));
  if (result.layer != Layer::kNone) write_field(writer, "layer", sp::to_string(result.layer));
  if (result.provider_error) write_provider_error(writer, *result.provider_error);
  write_optional_field(writer, "message", result.message);
  write_optional_field(writer, "fix", result.fix);
  write_optional_field(writer, "unresolved_reason", edge.unresolved_reason);
  if (result.ignored_reason) {
    writer.Key("ignored");
    writer.StartObject();
    write_field(writer, "reason", *result.ignored_reason);
    writer.EndObject();
  }
  write_optional_field(writer, "operator_note", result.operator_note);
  if (result.simulated) {
    // The verdict comes from a policy simulation, not a read as the identity.
    writer.Key("simulated");
    writer.Bool(true);
  }
  if (!edge.assumptions.empty()) {
    writer.Key("assumptions");
    writer.StartArray();
    for (const std::string& assumption : edge.assumptions) write_string(writer, assumption);
    writer.EndArray();
  }
  writer.EndObject();
}

void write_diagnostics(Writer& writer, const std::vector<Diagnostic>& diagnostics) {
  writer.Key("diagnostics");
  writer.StartArray();
  for (const Diagnostic& diagnostic : diagnostics) {
    writer.StartObject();
    write_field(writer, "file", diagnostic.location.file);
    writer.Key("line");
    writer.Int(diagnostic.location.line);
    writer.Key("column");
    writer.Int(diagnostic.location.column);
    write_field(writer, "severity", to_string(diagnostic.severity));
    write_field(writer, "message", diagnostic.message);
    writer.EndObject();
  }
  writer.EndArray();
}

void write_int_array(Writer& writer, const char* key, const std::vector<int>& values) {
  writer.Key(key);
  writer.StartArray();
  for (int value : values) writer.Int(value);
  writer.EndArray();
}

// The partial-run fields: which shard, which merged shards, which edges a
// changed-only run left out. `merge` reads them back to check completeness.
void write_partial_run_fields(Writer& writer, const RunReport& run) {
  if (run.shard) {
    writer.Key("shard");
    writer.StartObject();
    writer.Key("index");
    writer.Int(run.shard->index);
    writer.Key("count");
    writer.Int(run.shard->count);
    writer.Key("plan_edges");
    writer.Int(run.shard->plan_edges);
    write_field(writer, "plan_digest", run.shard->plan_digest);
    writer.EndObject();
  }
  if (run.merge) {
    writer.Key("merge");
    writer.StartObject();
    writer.Key("shard_count");
    writer.Int(run.merge->shard_count);
    write_int_array(writer, "merged_shards", run.merge->merged_shards);
    write_int_array(writer, "missing_shards", run.merge->missing_shards);
    writer.Key("plan_edges");
    writer.Int(run.merge->plan_edges);
    write_field(writer, "plan_digest", run.merge->plan_digest);
    writer.EndObject();
  }
  if (run.changed_only) {
    writer.Key("changed_only");
    writer.StartObject();
    write_field(writer, "since", run.changed_only->since);
    writer.Key("changed_files");
    writer.Int(run.changed_only->changed_files);
    writer.Key("config_changed");
    writer.Bool(run.changed_only->config_changed);
    writer.Key("plan_edges");
    writer.Int(run.changed_only->plan_edges);
    writer.Key("skipped_edges");
    writer.Int(run.changed_only->skipped_edges);
    writer.EndObject();
  }
}

}  // namespace

std::string render_json_report(const RunReport& run) {
  std::vector<EdgeResult> results = run.results;
  sort_results(results);

  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.SetIndent(' ', 2);
  writer.StartObject();
  write_field(writer, "schema", kReportSchema);
  writer.Key("tool");
  writer.StartObject();
  write_field(writer, "name", "secret-preflight");
  write_field(writer, "version", SECRET_PREFLIGHT_VERSION);
  writer.EndObject();
  write_field(writer, "mode", run.mode);
  write_field(writer, "started_at", run.started_at);
  write_field(writer, "finished_at", run.finished_at);
  write_summary(writer, run);
  write_partial_run_fields(writer, run);
  writer.Key("edges");
  writer.StartArray();
  for (const EdgeResult& result : results) write_edge(writer, run, result);
  writer.EndArray();
  write_diagnostics(writer, run.diagnostics);
  writer.Key("notices");
  writer.StartArray();
  for (const std::string& notice : run.notices) write_string(writer, notice);
  writer.EndArray();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void write_json_report(const std::string& path, const RunReport& run) {
  write_file_atomically(path, render_json_report(run));
}

}  // namespace sp::report
