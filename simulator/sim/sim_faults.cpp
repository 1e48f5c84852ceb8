// What gateways do to their live connections: close the moved ones at a
// cutover (4001), drop all of them when they stop serving, lose all of them
// when their host is turned off, reset those of a VIP they release.
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

// The connections `gateway` has, or is accepting, through `through` get a
// RST: open ones see it as lost, pending handshakes fail to connect.
void World::reset_connections(std::size_t g, const std::function<bool(std::uint32_t client)>& through,
                              const std::string& reason) {
  GatewaySim& gw = gateways_[g];
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    if (clients_.node[c] != g || !through(c)) continue;
    if (clients_.registered[c]) {
      clients_.registered[c] = 0;
      if (gw.connections) --gw.connections;
      push_close(c, 0, reason, true);
    } else if (clients_.state[c] == ClientState::connecting) {
      ++clients_.token[c];  // the gateway drops the request it may still hold
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

void World::kill_gateway(std::size_t g) {
  GatewaySim& gw = gateways_[g];
  gw.host->turn_off();  // its actors (gateway, VRRP agent) die with it, and with them its CPU queue
  ++gw.epoch;
  for (auto& vip : vips_)  // the kernel closes the dead process's listeners: the address is free
    if (vip.holder == g) vip.holder.reset();
  reset_connections(g, [](std::uint32_t) { return true; }, "connection reset by peer");  // the kernel resets its sockets
  gw.connections = 0;
}

// As the live node's NodeVrrp::release_vip: the listener closes and every
// connection accepted on the VIP is reset in place.
void World::release_vip(std::size_t vip, std::size_t g) {
  if (vips_[vip].holder != g) return;
  vips_[vip].holder.reset();
  reset_connections(
      g,
      [&](std::uint32_t c) { return clients_.vip[c] == vip + 1; },
      "Connection reset by peer");
}

}  // namespace wsfo::sim
