// Reads that several permission edges share. Edges that send the same
// request as the same identity (same identity chain, secret selectors and
// operation) differ at most in the JSON key they check and in where their
// reference sits. The provider is called once for such a read, and every
// edge gets its own verdict from that one response.
#pragma once

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "probe/aws_errors.h"

namespace sp::probe {

/// The JSON keys that other edges check against the same read. A provider
/// probe fills `results` while the value is still in memory.
struct SharedKeys {
  /// Keys of the other edges, "" for an edge that uses the whole value.
  std::vector<std::string> keys;
  /// One classification per key, in the order of `keys`. Left empty when no
  /// value was read (a denial, a missing secret, a bad response); the read's
  /// own classification then applies to every key.
  std::vector<Classification> results;
};

/// Checks each of `shared`'s keys against its own copy of `value`, and
/// wipes each copy after its check. Does nothing when `shared` is null.
void check_shared_keys(SharedKeys* shared, std::string_view value,
                       const std::function<Classification(const std::string& key, std::string& copy)>& check);

/// Returns the key of the read that `edge` makes: the provider, operation,
/// secret selectors and the identity that reads, without the JSON key (except
/// for list-and-read edges), the reference or the chain's description.
std::string read_key(const PermissionEdge& edge);

class SharedReads {
 public:
  struct Outcome {
    Classification classification;
    std::optional<ProviderError> error;
  };
  using Read = std::function<Outcome(SharedKeys* shared)>;

  /// Records, for every read among `edges`, the distinct JSON keys its edges check.
  explicit SharedReads(const std::vector<PermissionEdge>& edges);

  /// Returns `edge`'s outcome of its read in `scope` (a name for whose
  /// credentials read, e.g. "runtime" or "operator"). The first caller of a
  /// read runs `read` with the keys of the read's other edges; concurrent and
  /// later callers wait for it and take the classification of their own key.
  Outcome read(const std::string& scope, const PermissionEdge& edge, const Read& read);

 private:
  using KeyOutcomes = std::map<std::string, Outcome>;

  std::map<std::string, std::vector<std::string>> keys_by_read_;
  std::mutex mutex_;
  std::map<std::string, std::shared_future<std::shared_ptr<const KeyOutcomes>>> reads_;
};

}  // namespace sp::probe
