#pragma once
// Where a proxied handshake connects, decided the same way by the live
// gateway and the model: the group (a URI route's backends, or another
// unit's gateways for the `proxy` correction), then its candidates in
// BackendGroup's order until one takes the connection. The caller makes the
// connection; this keeps the down marks and the list of what failed, which
// the 502 names.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gateway/backend_pool.hpp"
#include "core/gateway/route_decision.hpp"

namespace wsfo::gateway {

// The group `decision` (proxy_local or proxy_to_unit) connects to: the route
// for the target's path, or the unit's gateways; nullptr when there is none
// (answered with no_route).
BackendGroup* upstream_group(const Decision& decision, std::string_view target, BackendPool& routes,
                             std::map<std::string, BackendGroup>& unit_gateways);

class UpstreamChoice {
 public:
  // Takes the candidates now: a round-robin group advances once per handshake.
  UpstreamChoice(BackendGroup& group, std::optional<std::uint64_t> router_id, MonotonicTime now);

  // The next candidate to try, or nullopt once every one failed.
  std::optional<std::size_t> next();
  const Endpoint& endpoint(std::size_t index) const { return group_.endpoint(index); }
  void connected(std::size_t index);
  // Marks it down for the group's fail_timeout and notes `why` for the 502.
  void failed(std::size_t index, std::string_view why, MonotonicTime now);

  // "host:port (why), ..." over the failed candidates, in the order tried.
  const std::string& tried() const { return tried_; }

 private:
  BackendGroup& group_;
  std::vector<std::size_t> order_;
  std::size_t next_ = 0;
  std::string tried_;
};

}  // namespace wsfo::gateway
