#pragma once
// Backend choice for a new connection (DESIGN.md §1, URI routes): the longest
// URI prefix picks a backend group, round-robin or routerId hash picks where
// to start, and a backend that refused a connect is skipped for fail_timeout
// (nginx's max_fails=1 fail_timeout). Time is given by the caller.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/gateway/gateway_config.hpp"

namespace wsfo::gateway {

using MonotonicTime = std::chrono::nanoseconds;  // since an arbitrary epoch, from the caller's clock

class BackendGroup {
 public:
  BackendGroup(std::vector<Endpoint> backends, Balance balance, std::chrono::nanoseconds fail_timeout);

  // Indices in the order to try them: the live backends starting at the
  // balancing choice, then the ones marked down (a last resort rather than an
  // immediate 502, since a mark may be stale). Advances round-robin.
  std::vector<std::size_t> candidates(std::optional<std::uint64_t> router_id, MonotonicTime now);

  void mark_failed(std::size_t index, MonotonicTime now);
  void mark_ok(std::size_t index);
  bool is_down(std::size_t index, MonotonicTime now) const;

  const Endpoint& endpoint(std::size_t index) const { return backends_[index]; }
  std::size_t size() const { return backends_.size(); }

  // After a reload: a backend that `old` marks down stays down until its mark ends.
  void inherit_marks(const BackendGroup& old);

 private:
  std::vector<Endpoint> backends_;
  std::vector<std::optional<MonotonicTime>> down_until_;
  Balance balance_;
  std::chrono::nanoseconds fail_timeout_;
  std::size_t next_ = 0;
};

class BackendPool {
 public:
  BackendPool(const std::vector<RouteConfig>& routes, std::chrono::nanoseconds fail_timeout);

  // The group whose prefix is the longest prefix of the target's path (the
  // query is ignored), or nullptr when no route matches.
  BackendGroup* route_for(std::string_view target);
  const std::string& prefix_of(const BackendGroup* group) const;

  // Distinct backends over all routes that no route currently marks down
  // (what `GET /health` reports as live_backends).
  std::size_t live_backends(MonotonicTime now) const;
  // Distinct backends over all routes, in order of first appearance.
  std::vector<Endpoint> all_backends() const;

  // After a reload: the down marks of routes with the same prefix carry over.
  void inherit_marks(const BackendPool& old);

 private:
  std::vector<std::string> prefixes_;
  std::vector<BackendGroup> groups_;
};

// A well-mixed hash, so consecutive routerIds spread over the backends.
std::uint64_t mix_router_id(std::uint64_t router_id);

}  // namespace wsfo::gateway
