#include "probe/edge_scheduler.h"

#include <algorithm>
#include <set>

#include "probe/shared_reads.h"

namespace sp::probe {
namespace {

std::string identity_key(const PermissionEdge& edge) {
  std::string key = edge.identity.principal + "\n" + edge.identity.tenant_id;
  for (const std::string& role : edge.identity.assumed_before) key += "\n" + role;
  return key;
}

// Orders one provider's edges: the first edge of each read, taking one
// identity after another in turn, then the repeats of reads in input order.
std::deque<size_t> spread(const std::vector<PermissionEdge>& edges, const std::vector<size_t>& indexes) {
  std::vector<std::string> identity_order;
  std::map<std::string, std::deque<size_t>> firsts_by_identity;
  std::vector<size_t> repeats;
  std::set<std::string> seen_reads;
  for (size_t index : indexes) {
    if (!seen_reads.insert(read_key(edges[index])).second) {
      repeats.push_back(index);
      continue;
    }
    std::string identity = identity_key(edges[index]);
    auto [slot, added] = firsts_by_identity.try_emplace(identity);
    if (added) identity_order.push_back(identity);
    slot->second.push_back(index);
  }
  std::deque<size_t> order;
  for (bool left = true; left;) {
    left = false;
    for (const std::string& identity : identity_order) {
      std::deque<size_t>& firsts = firsts_by_identity[identity];
      if (firsts.empty()) continue;
      order.push_back(firsts.front());
      firsts.pop_front();
      left = true;
    }
  }
  order.insert(order.end(), repeats.begin(), repeats.end());
  return order;
}

}  // namespace

std::string schedule_provider(const PermissionEdge& edge) {
  if (!edge.unresolved_reason.empty()) return "";
  return edge.secret.provider.empty() ? "aws" : edge.secret.provider;
}

EdgeScheduler::EdgeScheduler(const std::vector<PermissionEdge>& edges, size_t workers,
                             std::map<std::string, size_t> limits)
    : queue_of_edge_(edges.size()), workers_(std::max<size_t>(1, workers)) {
  std::vector<std::string> providers;
  std::map<std::string, std::vector<size_t>> indexes;
  for (size_t i = 0; i < edges.size(); ++i) {
    std::string provider = schedule_provider(edges[i]);
    auto [slot, added] = indexes.try_emplace(provider);
    if (added) providers.push_back(provider);
    slot->second.push_back(i);
  }
  for (const std::string& provider : providers) {
    Queue queue;
    queue.provider = provider;
    queue.edges = spread(edges, indexes[provider]);
    auto limit = limits.find(provider);
    // Unresolved edges make no requests, so they are not bounded.
    queue.limit = provider.empty() || limit == limits.end() ? workers_ : std::max<size_t>(1, limit->second);
    for (size_t index : queue.edges) queue_of_edge_[index] = queues_.size();
    queues_.push_back(std::move(queue));
  }
}

bool EdgeScheduler::may_start(const Queue& queue) const {
  if (queue.edges.empty() || queue.in_flight >= queue.limit) return false;
  // Leave a worker for every other provider whose edges wait, so that a
  // provider whose requests hang cannot take every worker; each provider
  // may always run one edge.
  size_t others_waiting = 0;
  for (const Queue& other : queues_)
    if (&other != &queue && !other.provider.empty() && !other.edges.empty()) ++others_waiting;
  size_t share = workers_ > others_waiting ? workers_ - others_waiting : 1;
  return queue.in_flight < share;
}

std::optional<size_t> EdgeScheduler::next() {
  std::unique_lock lock(mutex_);
  while (true) {
    bool waiting = false;
    for (size_t step = 0; step < queues_.size(); ++step) {
      Queue& queue = queues_[(turn_ + step) % queues_.size()];
      if (queue.edges.empty()) continue;
      waiting = true;
      if (!may_start(queue)) continue;
      size_t index = queue.edges.front();
      queue.edges.pop_front();
      ++queue.in_flight;
      turn_ = (turn_ + step + 1) % queues_.size();
      return index;
    }
    if (!waiting) return std::nullopt;
    changed_.wait(lock);
  }
}

void EdgeScheduler::finish(size_t index) {
  {
    std::lock_guard lock(mutex_);
    --queues_[queue_of_edge_[index]].in_flight;
  }
  changed_.notify_all();
}

}  // namespace sp::probe
