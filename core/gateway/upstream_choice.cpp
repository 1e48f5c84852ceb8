#include "core/gateway/upstream_choice.hpp"

namespace wsfo::gateway {

BackendGroup* upstream_group(const Decision& decision, std::string_view target, BackendPool& routes,
                             std::map<std::string, BackendGroup>& unit_gateways) {
  if (decision.kind == Decision::Kind::proxy_local) return routes.route_for(target);
  auto it = unit_gateways.find(decision.unit);
  return it != unit_gateways.end() ? &it->second : nullptr;
}

UpstreamChoice::UpstreamChoice(BackendGroup& group, std::optional<std::uint64_t> router_id, MonotonicTime now)
    : group_(group), order_(group.candidates(router_id, now)) {}

std::optional<std::size_t> UpstreamChoice::next() {
  if (next_ == order_.size()) return std::nullopt;
  return order_[next_++];
}

void UpstreamChoice::connected(std::size_t index) { group_.mark_ok(index); }

void UpstreamChoice::failed(std::size_t index, std::string_view why, MonotonicTime now) {
  group_.mark_failed(index, now);
  if (!tried_.empty()) tried_ += ", ";
  tried_ += group_.endpoint(index).text();
  tried_ += " (";
  tried_ += why;
  tried_ += ")";
}

}  // namespace wsfo::gateway
