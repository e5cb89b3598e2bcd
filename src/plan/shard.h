// Sharding the plan across CI jobs: a stable partition of the permission
// edges by runtime identity, so that each shard becomes each identity once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"

namespace sp::plan {

/// One shard of a partition: `index` is 1-based, 1 <= index <= count.
struct Shard {
  int index = 1;
  int count = 1;
};

/// Most shards a plan can be split into: a GitHub Actions matrix generates at
/// most 256 jobs per workflow run.
inline constexpr int kMaxShards = 256;

/// Parses "I/N" (decimal, 1 <= I <= N <= kMaxShards). Returns nullopt and sets `error` to
/// a sentence naming the problem when the text is invalid.
std::optional<Shard> parse_shard(std::string_view text, std::string& error);

/// Returns the 64-bit FNV-1a hash of `text`. The value is the same on every
/// platform and build, unlike std::hash.
std::uint64_t fnv1a_64(std::string_view text);

/// Returns the canonical key of every identity that probing `edge` exchanges
/// a token for: the runtime identity (provider, principal and, on Azure, the
/// tenant) and each role assumed before it. An unresolved edge, which is
/// never probed, gets one key from its reference location, field path,
/// secret and operation instead.
std::vector<std::string> exchanged_identity_keys(const PermissionEdge& edge);

/// Returns the 1-based shard of each edge, in input order. Edges that share
/// any exchanged identity (directly or through other edges) form one group,
/// and a group goes to shard fnv1a_64(smallest key in the group) % count + 1.
/// So every edge of an identity lands in one shard, and the result depends
/// only on the edges, never on their order or on the machine.
std::vector<int> assign_shards(const std::vector<PermissionEdge>& edges, int count);

/// Returns the edges of `shard`, in input order.
std::vector<PermissionEdge> select_shard(const std::vector<PermissionEdge>& edges, Shard shard);

/// Returns 16 hex digits that identify the plan: the FNV-1a hash of every
/// edge's reference, secret, principal and operation, in sorted order. Shards
/// of one plan carry the same digest, so `merge` can reject foreign reports.
std::string plan_digest(const std::vector<PermissionEdge>& edges);

}  // namespace sp::plan
