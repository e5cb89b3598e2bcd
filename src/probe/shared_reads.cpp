#include "probe/shared_reads.h"

#include <algorithm>

#include "util/sensitive.h"

namespace sp::probe {
namespace {

// Appends `field` with its length, so that no field value can imitate a
// boundary between two fields.
void append(std::string& key, std::string_view field) {
  key += std::to_string(field.size());
  key += ':';
  key += field;
}

}  // namespace

void check_shared_keys(SharedKeys* shared, std::string_view value,
                       const std::function<Classification(const std::string& key, std::string& copy)>& check) {
  if (shared == nullptr) return;
  shared->results.clear();
  for (const std::string& key : shared->keys) {
    std::string copy(value);
    shared->results.push_back(check(key, copy));
    wipe(copy);
  }
}

std::string read_key(const PermissionEdge& edge) {
  std::string key;
  const SecretTarget& secret = edge.secret;
  for (std::string_view field : {std::string_view(secret.provider), std::string_view(edge.operation),
                                 std::string_view(secret.service), std::string_view(secret.id),
                                 std::string_view(secret.region), std::string_view(secret.account),
                                 std::string_view(secret.project), std::string_view(secret.version_stage),
                                 std::string_view(secret.version_id), std::string_view(secret.parameter_selector)})
    append(key, field);
  if (secret.find) {
    // A list-and-read probe checks its key on every match itself.
    append(key, "find");
    append(key, secret.json_key);
    append(key, secret.find->path);
    append(key, secret.find->name_regexp);
    for (const auto& [tag, value] : secret.find->tags) {
      append(key, tag);
      append(key, value);
    }
  }
  // The identity as far as it shapes the session that reads. The namespace,
  // ServiceAccount and issuer only matter to the trust-edge check, which
  // every edge still runs for itself.
  const RuntimeIdentity& identity = edge.identity;
  append(key, identity.provider);
  append(key, identity.principal);
  append(key, std::to_string(static_cast<int>(identity.mechanism)));
  for (const std::string& role : identity.assumed_before) append(key, role);
  append(key, "|");
  append(key, identity.audience);
  append(key, identity.tenant_id);
  append(key, identity.session_policy);
  return key;
}

SharedReads::SharedReads(const std::vector<PermissionEdge>& edges) {
  for (const PermissionEdge& edge : edges) {
    if (!edge.unresolved_reason.empty()) continue;
    std::vector<std::string>& keys = keys_by_read_[read_key(edge)];
    if (std::find(keys.begin(), keys.end(), edge.secret.json_key) == keys.end())
      keys.push_back(edge.secret.json_key);
  }
}

SharedReads::Outcome SharedReads::read(const std::string& scope, const PermissionEdge& edge, const Read& read) {
  const std::string key = read_key(edge);
  const std::string& own_key = edge.secret.json_key;
  std::promise<std::shared_ptr<const KeyOutcomes>> promise;
  {
    std::unique_lock lock(mutex_);
    auto found = reads_.find(scope + "\n" + key);
    if (found != reads_.end()) {
      auto pending = found->second;
      lock.unlock();
      std::shared_ptr<const KeyOutcomes> outcomes = pending.get();
      auto mine = outcomes->find(own_key);
      if (mine != outcomes->end()) return mine->second;
      // An edge whose key was not known up front gets a read of its own.
      return read(nullptr);
    }
    reads_.emplace(scope + "\n" + key, promise.get_future().share());
  }
  SharedKeys shared;
  auto known = keys_by_read_.find(key);
  if (known != keys_by_read_.end())
    for (const std::string& other : known->second)
      if (other != own_key) shared.keys.push_back(other);

  Outcome own = read(shared.keys.empty() ? nullptr : &shared);
  auto outcomes = std::make_shared<KeyOutcomes>();
  (*outcomes)[own_key] = own;
  for (size_t i = 0; i < shared.keys.size(); ++i) {
    Outcome other = own;
    if (i < shared.results.size()) other.classification = shared.results[i];
    (*outcomes)[shared.keys[i]] = std::move(other);
  }
  promise.set_value(std::move(outcomes));
  return own;
}

}  // namespace sp::probe
