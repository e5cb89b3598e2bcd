// The order in which worker threads take permission edges, and the bound on
// how many edges of one provider are probed at once.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"

namespace sp::probe {

/// Returns the provider an edge is probed with ("aws" for an empty one), or
/// "" for an unresolved edge, which is never probed.
std::string schedule_provider(const PermissionEdge& edge);

/// Hands out edge indexes to worker threads. Within each provider, the first
/// edge of every identity comes first, so that the identities' exchanges
/// start together instead of one after another. Each read's first edge comes
/// before its repeats, which then find the read done. Providers take turns,
/// and a provider never keeps a worker while another provider's edges wait
/// for one, so one slow provider cannot stall the others.
class EdgeScheduler {
 public:
  /// `limits` bounds the edges in flight per provider ("aws", "gcp",
  /// "azure"); a provider without an entry is bounded by `workers` only.
  EdgeScheduler(const std::vector<PermissionEdge>& edges, size_t workers, std::map<std::string, size_t> limits);

  /// Blocks until an edge may start, and returns its index; nullopt when
  /// every edge has been handed out.
  std::optional<size_t> next();

  /// Marks the edge at `index`, returned by next(), as finished.
  void finish(size_t index);

 private:
  struct Queue {
    std::string provider;
    std::deque<size_t> edges;
    size_t in_flight = 0;
    size_t limit = 0;
  };

  bool may_start(const Queue& queue) const;

  std::vector<Queue> queues_;
  std::vector<size_t> queue_of_edge_;
  size_t workers_;
  size_t turn_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
};

}  // namespace sp::probe
