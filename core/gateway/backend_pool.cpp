#include "core/gateway/backend_pool.hpp"

#include <algorithm>

namespace wsfo::gateway {

std::uint64_t mix_router_id(std::uint64_t x) {  // splitmix64 finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

BackendGroup::BackendGroup(std::vector<Endpoint> backends, Balance balance, std::chrono::nanoseconds fail_timeout)
    : backends_(std::move(backends)), down_until_(backends_.size()), balance_(balance), fail_timeout_(fail_timeout) {}

bool BackendGroup::is_down(std::size_t index, MonotonicTime now) const {
  return down_until_[index] && now < *down_until_[index];
}

void BackendGroup::mark_failed(std::size_t index, MonotonicTime now) { down_until_[index] = now + fail_timeout_; }

void BackendGroup::mark_ok(std::size_t index) { down_until_[index].reset(); }

std::vector<std::size_t> BackendGroup::candidates(std::optional<std::uint64_t> router_id, MonotonicTime now) {
  std::vector<std::size_t> order;
  if (backends_.empty()) return order;
  std::size_t n = backends_.size();
  std::size_t start;
  if (balance_ == Balance::router_id_hash && router_id) {
    start = static_cast<std::size_t>(mix_router_id(*router_id) % n);
  } else {
    // Round-robin over live backends only, so a down backend's share goes to
    // the next live one instead of doubling on its neighbour every time.
    start = next_ % n;
    for (std::size_t k = 0; k < n && is_down(start, now); ++k) start = (start + 1) % n;
    next_ = start + 1;
  }
  order.reserve(n);
  for (std::size_t k = 0; k < n; ++k)
    if (!is_down((start + k) % n, now)) order.push_back((start + k) % n);
  for (std::size_t k = 0; k < n; ++k)
    if (is_down((start + k) % n, now)) order.push_back((start + k) % n);
  return order;
}

BackendPool::BackendPool(const std::vector<RouteConfig>& routes, std::chrono::nanoseconds fail_timeout) {
  for (const auto& r : routes) {
    prefixes_.push_back(r.prefix);
    groups_.emplace_back(r.backends, r.balance, fail_timeout);
  }
}

BackendGroup* BackendPool::route_for(std::string_view target) {
  std::string_view path = target.substr(0, target.find_first_of("?#"));
  BackendGroup* best = nullptr;
  std::size_t best_length = 0;
  for (std::size_t i = 0; i < prefixes_.size(); ++i) {
    const std::string& prefix = prefixes_[i];
    if (path.substr(0, prefix.size()) == prefix && (!best || prefix.size() > best_length)) {
      best = &groups_[i];
      best_length = prefix.size();
    }
  }
  return best;
}

const std::string& BackendPool::prefix_of(const BackendGroup* group) const {
  static const std::string none;
  for (std::size_t i = 0; i < groups_.size(); ++i)
    if (&groups_[i] == group) return prefixes_[i];
  return none;
}

std::vector<Endpoint> BackendPool::all_backends() const {
  std::vector<Endpoint> all;
  for (const BackendGroup& group : groups_)
    for (std::size_t i = 0; i < group.size(); ++i)
      if (std::find(all.begin(), all.end(), group.endpoint(i)) == all.end()) all.push_back(group.endpoint(i));
  return all;
}

std::size_t BackendPool::live_backends(MonotonicTime now) const {
  std::vector<Endpoint> down;
  for (const BackendGroup& group : groups_)
    for (std::size_t i = 0; i < group.size(); ++i)
      if (group.is_down(i, now)) down.push_back(group.endpoint(i));
  auto all = all_backends();
  return static_cast<std::size_t>(std::count_if(
      all.begin(), all.end(), [&](const Endpoint& e) { return std::find(down.begin(), down.end(), e) == down.end(); }));
}

void BackendGroup::inherit_marks(const BackendGroup& old) {
  for (std::size_t i = 0; i < backends_.size(); ++i)
    for (std::size_t j = 0; j < old.backends_.size(); ++j)
      if (old.backends_[j] == backends_[i]) down_until_[i] = old.down_until_[j];
}

void BackendPool::inherit_marks(const BackendPool& old) {
  for (std::size_t i = 0; i < groups_.size(); ++i)
    for (std::size_t j = 0; j < old.groups_.size(); ++j)
      if (old.prefixes_[j] == prefixes_[i]) groups_[i].inherit_marks(old.groups_[j]);
}

}  // namespace wsfo::gateway
