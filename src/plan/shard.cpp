#include "plan/shard.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>
#include <numeric>

namespace sp::plan {
namespace {

// Parses a positive decimal integer that uses every character of `text`.
std::optional<int> parse_positive(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value < 1) return std::nullopt;
  return value;
}

// Union-find over edge indexes, so that edges sharing an identity end up in
// one group.
class Groups {
 public:
  explicit Groups(size_t size) : parent_(size) { std::iota(parent_.begin(), parent_.end(), 0); }

  size_t find(size_t item) {
    while (parent_[item] != item) {
      parent_[item] = parent_[parent_[item]];
      item = parent_[item];
    }
    return item;
  }

  void join(size_t a, size_t b) { parent_[find(a)] = find(b); }

 private:
  std::vector<size_t> parent_;
};

// One line per field, so that no two different edges can produce one key.
std::string edge_line(const PermissionEdge& edge) {
  const SourceLocation& location = edge.reference.location;
  return location.file + '\n' + std::to_string(location.line) + '\n' +
         std::to_string(location.column) + '\n' + edge.reference.path + '\n' +
         edge.secret.provider + '\n' + edge.secret.id + '\n' + edge.identity.principal + '\n' +
         edge.operation;
}

}  // namespace

std::optional<Shard> parse_shard(std::string_view text, std::string& error) {
  size_t slash = text.find('/');
  std::optional<int> index =
      slash == std::string_view::npos ? std::nullopt : parse_positive(text.substr(0, slash));
  std::optional<int> count =
      slash == std::string_view::npos ? std::nullopt : parse_positive(text.substr(slash + 1));
  if (!index || !count) {
    error = "invalid shard '" + std::string(text) +
            "'; expected I/N with whole numbers 1 <= I <= N, such as 2/4";
    return std::nullopt;
  }
  if (*count > kMaxShards) {
    error = "invalid shard '" + std::string(text) + "': at most " + std::to_string(kMaxShards) +
            " shards, the most jobs one GitHub Actions matrix can run";
    return std::nullopt;
  }
  if (*index > *count) {
    error = "invalid shard '" + std::string(text) + "': shard " + std::to_string(*index) +
            " does not exist when there are " + std::to_string(*count) +
            " shards; expected 1 <= I <= N";
    return std::nullopt;
  }
  return Shard{*index, *count};
}

std::uint64_t fnv1a_64(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64-bit offset basis
  for (unsigned char byte : text) {
    hash ^= byte;
    hash *= 1099511628211ULL;  // FNV-1a 64-bit prime
  }
  return hash;
}

std::vector<std::string> exchanged_identity_keys(const PermissionEdge& edge) {
  if (!edge.unresolved_reason.empty() || edge.identity.principal.empty())
    return {"unresolved\n" + edge_line(edge)};
  const RuntimeIdentity& identity = edge.identity;
  std::vector<std::string> keys;
  // Azure client IDs are unique only within a tenant, and the probe matches
  // them without regard to case.
  std::string principal = identity.principal;
  if (identity.provider == "azure")
    std::transform(principal.begin(), principal.end(), principal.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  keys.push_back(identity.provider + '\n' + principal + '\n' + identity.tenant_id);
  for (const std::string& role : identity.assumed_before)
    keys.push_back(identity.provider + '\n' + role + '\n');
  return keys;
}

std::vector<int> assign_shards(const std::vector<PermissionEdge>& edges, int count) {
  Groups groups(edges.size());
  std::map<std::string, size_t> first_edge_of_key;
  std::vector<std::vector<std::string>> keys_of_edge(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    keys_of_edge[i] = exchanged_identity_keys(edges[i]);
    for (const std::string& key : keys_of_edge[i]) {
      auto [found, inserted] = first_edge_of_key.emplace(key, i);
      if (!inserted) groups.join(i, found->second);
    }
  }
  // The smallest key names the group, whatever the order of the edges.
  std::map<size_t, std::string> group_key;
  for (size_t i = 0; i < edges.size(); ++i) {
    std::string& key = group_key[groups.find(i)];
    for (const std::string& candidate : keys_of_edge[i])
      if (key.empty() || candidate < key) key = candidate;
  }
  std::vector<int> shards(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    std::uint64_t hash = fnv1a_64(group_key[groups.find(i)]);
    shards[i] = static_cast<int>(hash % static_cast<std::uint64_t>(count)) + 1;
  }
  return shards;
}

std::vector<PermissionEdge> select_shard(const std::vector<PermissionEdge>& edges, Shard shard) {
  std::vector<int> shards = assign_shards(edges, shard.count);
  std::vector<PermissionEdge> selected;
  for (size_t i = 0; i < edges.size(); ++i)
    if (shards[i] == shard.index) selected.push_back(edges[i]);
  return selected;
}

std::string plan_digest(const std::vector<PermissionEdge>& edges) {
  std::vector<std::string> lines;
  lines.reserve(edges.size());
  for (const PermissionEdge& edge : edges) lines.push_back(edge_line(edge));
  std::sort(lines.begin(), lines.end());
  std::string all;
  for (const std::string& line : lines) all += line + '\0';
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a_64(all)));
  return hex;
}

}  // namespace sp::plan
