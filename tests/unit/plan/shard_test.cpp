#include "plan/shard.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

using sp::PermissionEdge;
using sp::plan::Shard;

namespace {

PermissionEdge edge_for(const std::string& principal, int line,
                        const std::string& provider = "aws") {
  PermissionEdge edge;
  edge.reference.location = {"deploy/app.yaml", line, 7};
  edge.reference.path = "spec.secrets[" + std::to_string(line) + "]";
  edge.secret.provider = provider;
  edge.secret.id = "app/secret-" + std::to_string(line);
  edge.identity.provider = provider;
  edge.identity.principal = principal;
  edge.operation = "secretsmanager:GetSecretValue";
  return edge;
}

PermissionEdge unresolved_at(int line) {
  PermissionEdge edge = edge_for("", line);
  edge.unresolved_reason = "ServiceAccount shop/api is not in the scanned manifests";
  return edge;
}

// 48 edges over 12 roles, 4 edges each, interleaved.
std::vector<PermissionEdge> many_edges() {
  std::vector<PermissionEdge> edges;
  for (int line = 1; line <= 48; ++line)
    edges.push_back(edge_for("arn:aws:iam::111122223333:role/r" + std::to_string(line % 12), line));
  return edges;
}

int line_of(const PermissionEdge& edge) { return edge.reference.location.line; }

}  // namespace

TEST_CASE("Shard parses I/N", "[plan][shard]") {
  std::string error;
  std::optional<Shard> shard = sp::plan::parse_shard("2/4", error);
  REQUIRE(shard);
  CHECK(shard->index == 2);
  CHECK(shard->count == 4);
  CHECK(error.empty());

  shard = sp::plan::parse_shard("1/1", error);
  REQUIRE(shard);
  CHECK(shard->index == 1);
}

TEST_CASE("Shard rejects invalid I/N", "[plan][shard]") {
  for (const char* text : {"", "2", "2/", "/4", "0/4", "a/4", "2/b", "-1/4", "2/4x", " 2/4",
                           "2/0", "1/2/3"}) {
    std::string error;
    INFO("shard text: '" << text << "'");
    CHECK_FALSE(sp::plan::parse_shard(text, error));
    CHECK(error == std::string("invalid shard '") + text +
                       "'; expected I/N with whole numbers 1 <= I <= N, such as 2/4");
  }
  std::string error;
  CHECK_FALSE(sp::plan::parse_shard("5/4", error));
  CHECK(error ==
        "invalid shard '5/4': shard 5 does not exist when there are 4 shards; expected 1 <= I <= N");
  CHECK(sp::plan::parse_shard("256/256", error));
  CHECK_FALSE(sp::plan::parse_shard("1/257", error));
  CHECK(error == "invalid shard '1/257': at most 256 shards, the most jobs one GitHub Actions matrix can run");
}

TEST_CASE("FNV-1a matches the published test vectors", "[plan][shard]") {
  // From the FNV reference (isthe.com/chongo/tech/comp/fnv), 64-bit FNV-1a.
  CHECK(sp::plan::fnv1a_64("") == 0xcbf29ce484222325ULL);
  CHECK(sp::plan::fnv1a_64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(sp::plan::fnv1a_64("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("Every edge lands in exactly one shard", "[plan][shard]") {
  std::vector<PermissionEdge> edges = many_edges();
  for (int count = 1; count <= 6; ++count) {
    INFO("shards: " << count);
    std::multiset<int> seen;
    for (int index = 1; index <= count; ++index)
      for (const PermissionEdge& edge : sp::plan::select_shard(edges, {index, count}))
        seen.insert(line_of(edge));
    CHECK(seen.size() == edges.size());
    for (const PermissionEdge& edge : edges) CHECK(seen.count(line_of(edge)) == 1);
  }
}

TEST_CASE("Shard never splits an identity", "[plan][shard]") {
  std::vector<PermissionEdge> edges = many_edges();
  std::vector<int> shards = sp::plan::assign_shards(edges, 5);
  std::map<std::string, std::set<int>> shards_of_principal;
  for (size_t i = 0; i < edges.size(); ++i)
    shards_of_principal[edges[i].identity.principal].insert(shards[i]);
  CHECK(shards_of_principal.size() == 12);
  for (const auto& [principal, used] : shards_of_principal) {
    INFO(principal);
    CHECK(used.size() == 1);
  }
  // 12 identities over 5 shards: a partition that put everything in one
  // shard would also never split an identity.
  CHECK(std::set<int>(shards.begin(), shards.end()).size() > 1);
}

TEST_CASE("Shard keeps roles assumed before together", "[plan][shard]") {
  // Two runtime roles reached through one base role: both chains exchange
  // the base role, so both must run in the same shard.
  const std::string base = "arn:aws:iam::111122223333:role/eso-base";
  for (int count = 2; count <= 8; ++count) {
    INFO("shards: " << count);
    std::vector<PermissionEdge> edges;
    for (int line = 1; line <= 10; ++line) {
      PermissionEdge edge = edge_for("arn:aws:iam::111122223333:role/app" + std::to_string(line), line);
      if (line % 2 == 0) edge.identity.assumed_before = {base};
      edges.push_back(edge);
    }
    std::vector<int> shards = sp::plan::assign_shards(edges, count);
    std::set<int> chained;
    for (size_t i = 0; i < edges.size(); ++i)
      if (!edges[i].identity.assumed_before.empty()) chained.insert(shards[i]);
    CHECK(chained.size() == 1);
  }
}

TEST_CASE("Shard ignores the case of Azure client IDs", "[plan][shard]") {
  std::vector<PermissionEdge> edges;
  for (int line = 1; line <= 8; ++line)
    edges.push_back(edge_for(line % 2 ? "AAAAAAAA-0000-4000-8000-000000000021"
                                      : "aaaaaaaa-0000-4000-8000-000000000021",
                             line, "azure"));
  for (int count = 2; count <= 6; ++count) {
    std::vector<int> shards = sp::plan::assign_shards(edges, count);
    CHECK(std::set<int>(shards.begin(), shards.end()).size() == 1);
  }
}

TEST_CASE("Shard assignment does not depend on edge order", "[plan][shard]") {
  std::vector<PermissionEdge> edges = many_edges();
  for (int line = 100; line < 110; ++line) edges.push_back(unresolved_at(line));
  std::vector<int> forward = sp::plan::assign_shards(edges, 4);
  std::vector<PermissionEdge> reversed(edges.rbegin(), edges.rend());
  std::vector<int> backward = sp::plan::assign_shards(reversed, 4);
  for (size_t i = 0; i < edges.size(); ++i) {
    INFO("line " << line_of(edges[i]));
    CHECK(forward[i] == backward[edges.size() - 1 - i]);
  }
}

TEST_CASE("Shard hashes the identity key with FNV-1a", "[plan][shard]") {
  // Pins the formula, so that shards of one plan agree across builds.
  const std::string role = "arn:aws:iam::111122223333:role/checkout-exec";
  std::vector<int> shards = sp::plan::assign_shards({edge_for(role, 1)}, 7);
  CHECK(shards.front() == static_cast<int>(sp::plan::fnv1a_64("aws\n" + role + "\n") % 7) + 1);
}

TEST_CASE("Unresolved edges spread over shards one by one", "[plan][shard]") {
  std::vector<PermissionEdge> edges;
  for (int line = 1; line <= 40; ++line) edges.push_back(unresolved_at(line));
  std::vector<int> shards = sp::plan::assign_shards(edges, 4);
  std::multiset<int> seen;
  for (int index = 1; index <= 4; ++index)
    for (const PermissionEdge& edge : sp::plan::select_shard(edges, {index, 4}))
      seen.insert(line_of(edge));
  CHECK(seen.size() == 40);
  for (int line = 1; line <= 40; ++line) CHECK(seen.count(line) == 1);
  // With no identity to share, they are not all grouped into one shard.
  CHECK(std::set<int>(shards.begin(), shards.end()).size() > 1);
}

TEST_CASE("Plan digest depends on the edges, not their order", "[plan][shard]") {
  std::vector<PermissionEdge> edges = many_edges();
  std::string digest = sp::plan::plan_digest(edges);
  CHECK(digest.size() == 16);
  std::vector<PermissionEdge> reversed(edges.rbegin(), edges.rend());
  CHECK(sp::plan::plan_digest(reversed) == digest);
  edges[3].secret.id = "app/another";
  CHECK(sp::plan::plan_digest(edges) != digest);
  edges.pop_back();
  CHECK(sp::plan::plan_digest(edges) != digest);
}
