// What gateways do to their live connections: close the moved ones at a
// cutover (4001), drop all of them when they stop serving, lose all of them
// when their host is turned off.
#include "simulator/sim/sim_world.hpp"

namespace wsfo::sim {

void World::push_close(std::uint32_t client, std::uint16_t code, const std::string& reason, bool lost) {
  Region& region = regions_[clients_.group[client]];
  const GatewaySim& gw = gateways_[clients_.node[client]];
  SimEvent e;
  e.type = EventType::close;
  e.client = client;
  e.token = clients_.token[client];
  e.outcome = lost ? Outcome::reset : Outcome::upgraded;
  e.status = code;
  e.text = texts_.intern(reason);
  e.t_ns = now_ns() + route(gw.host, region.host).latency_ns;
  push(region, e);
}

std::size_t World::close_connections(std::size_t g, const std::vector<routing::MovedRange>& moved,
                                     std::uint64_t version, bool revert) {
  if (moved.empty()) return 0;
  GatewaySim& gw = gateways_[g];
  std::vector<std::string> reasons;
  for (const auto& m : moved)
    reasons.push_back(revert
                          ? "moved back from " + m.from_unit + " to " + m.to_unit + " by the revert of rules v" +
                                std::to_string(version)
                          : "moved from " + m.from_unit + " to " + m.to_unit + " by rules v" + std::to_string(version));
  std::size_t closed = 0;
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    if (!clients_.registered[c] || clients_.node[c] != g) continue;
    for (std::size_t i = 0; i < moved.size(); ++i) {
      if (!moved[i].contains(clients_.slot[c])) continue;
      clients_.registered[c] = 0;
      --gw.connections;
      push_close(c, 4001, reasons[i], false);
      ++closed;
      break;
    }
  }
  return closed;
}

// Like the live gateway's `{"serving": false}` fault: listeners close and
// every relayed connection is closed without a close frame.
void World::drop_gateway_connections(std::size_t g) {
  GatewaySim& gw = gateways_[g];
  gw.connections = 0;
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    if (clients_.node[c] != g || !clients_.registered[c]) continue;
    clients_.registered[c] = 0;
    push_close(c, 0, "End of file", true);
  }
}

void World::kill_gateway(std::size_t g) {
  GatewaySim& gw = gateways_[g];
  gw.host->turn_off();  // its actor dies with it, and with the actor its CPU queue
  ++gw.epoch;
  gw.connections = 0;
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    if (clients_.node[c] != g) continue;
    if (clients_.registered[c]) {  // the kernel resets the dead process's sockets
      clients_.registered[c] = 0;
      push_close(c, 0, "connection reset by peer", true);
    } else if (clients_.state[c] == ClientState::connecting) {
      Region& region = regions_[clients_.group[c]];
      SimEvent e;
      e.type = EventType::result;
      e.outcome = Outcome::reset;
      e.client = c;
      e.token = clients_.token[c];
      e.t_ns = now_ns() + route(gw.host, region.host).latency_ns;
      push(region, e);
    }
  }
}

}  // namespace wsfo::sim
