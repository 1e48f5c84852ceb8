// What gateways do to their live connections: close the moved ones at a
// cutover (4001), drop all of them when they stop serving, lose all of them
// when their host is turned off, leave those of a VIP they release silent
// until their client's next heartbeat meets a reset.
#include <algorithm>

#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

void World::push_lost_at(std::uint32_t client, std::int64_t t_ns, const std::string& reason, std::uint8_t cause) {
  SimEvent e;
  e.type = EventType::close;
  e.client = client;
  e.token = clients_.token[client];
  e.outcome = Outcome::reset;
  e.cause = cause;
  e.text = texts_.intern(reason);
  e.t_ns = t_ns;
  push(regions_[clients_.group[client]], e);
}

void World::push_close(std::uint32_t client, std::uint16_t code, const std::string& reason, bool lost) {
  Region& region = regions_[clients_.group[client]];
  const GatewaySim& gw = gateways_[entry_node(client)];
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

std::uint16_t World::entry_node(std::uint32_t c) const {
  return clients_.via[c] ? static_cast<std::uint16_t>(clients_.via[c] - 1u) : clients_.node[c];
}

void World::unregister(std::uint32_t c) {
  if (!clients_.registered[c]) return;
  traffic_->disconnect(c);
  clients_.registered[c] = 0;
  for (std::size_t g : {std::size_t{clients_.node[c]}, std::size_t{entry_node(c)}}) {
    if (gateways_[g].connections) --gateways_[g].connections;
    if (!clients_.via[c]) break;  // one node: counted once
  }
}

std::size_t World::close_connections(std::size_t g, const std::vector<run::MovedClose>& closes) {
  if (closes.empty()) return 0;
  std::size_t closed = 0;
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    // A node proxying the connection across units has it in its registry too.
    if (!clients_.registered[c] || (clients_.node[c] != g && entry_node(c) != g)) continue;
    for (const auto& close : closes) {
      if (!close.range.contains(clients_.slot[c])) continue;
      unregister(c);
      push_close(c, run::kMovedCloseCode, close.reason, false);
      ++closed;
      break;
    }
  }
  return closed;
}

// Like the live gateway's `{"serving": false}` fault: listeners close and
// every relayed connection is closed without a close frame. A connection it
// served for a proxying node ends there with 1011, as that node's relay
// closes the client when its upstream is lost.
void World::drop_gateway_connections(std::size_t g) {
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    if (!clients_.registered[c] || (clients_.node[c] != g && entry_node(c) != g)) continue;
    const bool entry = entry_node(c) == g;
    unregister(c);
    if (entry)
      push_close(c, 0, "End of file", true);
    else
      push_close(c, 1011, "backend connection lost", false);
  }
}

// The connections `gateway` has, or is accepting, through `through` end
// without a close frame (`reason`: a RST, or end of file): open ones see it
// as lost (or, served for a proxying node, get that node's 1011), pending
// handshakes fail to connect.
void World::cut_connections(std::size_t g, const std::function<bool(std::uint32_t client)>& through,
                            const std::string& reason) {
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    const bool entry = entry_node(c) == g;
    if ((!entry && clients_.node[c] != g) || !through(c)) continue;
    if (clients_.registered[c]) {
      unregister(c);
      if (entry)
        push_close(c, 0, reason, true);
      else
        push_close(c, 1011, "backend connection lost", false);
    } else if (clients_.state[c] == ClientState::connecting) {
      reset_handshake(c);
    }
  }
}

void World::reset_handshake(std::uint32_t c) {
  ++clients_.token[c];  // the gateway drops the request it may still hold
  Region& region = regions_[clients_.group[c]];
  SimEvent e;
  e.type = EventType::result;
  e.outcome = Outcome::reset;
  e.client = c;
  e.token = clients_.token[c];
  e.t_ns = now_ns() + route(gateways_[entry_node(c)].host, region.host).latency_ns;
  push(region, e);
}

// The client pings every heartbeat interval from its connect time, as the
// live client does; the first ping after now reaches the VIP's new holder,
// whose RST comes back a round trip later. Without heartbeats the client
// never sends, so it stays on the dead connection: nothing is scheduled.
void World::orphan(std::uint32_t c) {
  const auto& heartbeat = scenario_.clients[clients_.group[c]].heartbeat;
  if (!heartbeat || heartbeat->interval.count() <= 0) return;
  const std::int64_t interval = heartbeat->interval.count();
  const std::int64_t now = now_ns();
  const std::int64_t connected = std::min(clients_.since_ns[c], now);
  const std::int64_t next_ping = traffic::next_tick_after(connected, interval, now);
  const Region& region = regions_[clients_.group[c]];
  push_lost_at(c, next_ping + 2 * route(gateways_[entry_node(c)].host, region.host).latency_ns,
               "Connection reset by peer");
}

void World::kill_gateway(std::size_t g) {
  GatewaySim& gw = gateways_[g];
  gw.host->turn_off();  // its actors (gateway, VRRP agent) die with it, and with them its CPU queue
  ++gw.epoch;
  for (auto& vip : vips_)  // the kernel closes the dead process's listeners: the address is free
    if (vip.holder == g) vip.holder.reset();
  // The kernel closes the dead process's sockets: its clients read end of file, as in live runs.
  cut_connections(
      g, [](std::uint32_t) { return true; }, "End of file");  // unregisters them all: its count ends at 0
}

// As the live node's NodeVrrp::release_vip (docs/vrrp.md, "Releasing a
// VIP"): the listener closes, and the connections accepted on the VIP become
// orphans, which the gateway counts no more and whose clients hear nothing
// until they send (World::orphan). One served for a proxying node ends there
// with 1011, handshakes under way are reset, as the live node does.
void World::release_vip(std::size_t vip, std::size_t g) {
  if (vips_[vip].holder != g) return;
  vips_[vip].holder.reset();
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    const bool entry = entry_node(c) == g;
    if ((!entry && clients_.node[c] != g) || clients_.vip[c] != vip + 1) continue;
    if (clients_.registered[c]) {
      unregister(c);
      if (entry)
        orphan(c);
      else
        push_close(c, 1011, "backend connection lost", false);
    } else if (clients_.state[c] == ClientState::connecting) {
      reset_handshake(c);
    }
  }
}

}  // namespace wsfo::model
