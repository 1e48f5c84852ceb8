// A powered-off host, emulated (docs/vrrp.md, "Power-off"). On real hosts
// the node's link goes down and its processes die with it: its clients get
// no reset and no end of file, and the connections of a VIP are reset only
// once another host holds that address and the client sends (its segments
// then reach the new holder, which knows no such connection). A connection
// to the dead host's own address is never answered again. The process stays
// up (its admin API still answers the orchestrator, which no client sees)
// until it is restarted.
#include "gateway/gateway_node.hpp"
#include "gateway/vrrp_node.hpp"

namespace wsfo::gateway {

void GatewayNode::power_off() {
  if (powered_off || shutting_down) return;
  close_listeners();
  serving = false;
  metrics.set_serving(false);
  const auto connections = registry.all();
  for (RegisteredConnection* c : connections) c->hold_as_orphan();
  if (vrrp) vrrp->power_off();
  powered_off = true;
  log_line(*this) << "powered off: " << connections.size() << " connection(s) hear nothing more\n";
}

}  // namespace wsfo::gateway
