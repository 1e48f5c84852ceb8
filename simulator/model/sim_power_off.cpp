// A powered-off gateway host, as the real stack plays it (docs/simulate.md,
// "Power-off"): its link goes down and its processes die, so it is dead for
// VRRP as after a kill (its adverts stop, a backup takes its VIPs over after
// Master_Down_Interval), but no client hears a reset or an end of file. A
// client of one of its VIPs sends its next ping into the void until another
// host holds the address; the first ping at or after that reaches the new
// holder, which answers with a RST. A client of the node's own address is
// never answered: its own heartbeat timeout ends it. Clients without
// heartbeats never send, so they stay on the dead connection: nothing is
// scheduled for them, and a million clients cost one pass at the power-off
// and one per VIP at its takeover.
#include <algorithm>

#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

namespace {

std::string milliseconds(std::chrono::nanoseconds d) { return std::to_string(d.count() / 1'000'000); }

}  // namespace

void World::power_off_gateway(std::size_t g) {
  GatewaySim& gw = gateways_[g];
  gw.host->turn_off();  // its actors (gateway, VRRP agent) die with it: no resignation
  ++gw.epoch;
  // The dead host answers for no address: a backup may take its VIPs.
  for (auto& vip : vips_)
    if (vip.holder == g) vip.holder.reset();
  powered_off_orphans_.resize(vips_.size());
  for (std::uint32_t c = 0; c < clients_.size(); ++c) {
    const bool entry = entry_node(c) == g;
    if (!entry && clients_.node[c] != g) continue;
    if (clients_.registered[c]) {
      unregister(c);
      if (!entry)  // the proxying node's upstream is gone
        push_close(c, 1011, "backend connection lost", false);
      else if (clients_.vip[c])
        powered_off_orphans_[clients_.vip[c] - 1u].push_back(c);
      else
        time_out_silently(c);
    } else if (clients_.state[c] == ClientState::connecting) {
      reset_handshake(c);
    }
  }
}

// Called when a node takes `vip`: the clients left on it by a power-off
// meet the new holder's RST at their next ping (World::orphan).
void World::release_powered_off_orphans(std::size_t vip) {
  if (vip >= powered_off_orphans_.size() || powered_off_orphans_[vip].empty()) return;
  for (std::uint32_t c : powered_off_orphans_[vip]) orphan(c);
  std::vector<std::uint32_t>().swap(powered_off_orphans_[vip]);
}

// The live client's heartbeat verdict on a peer gone silent now (core's
// rule, core/traffic/heartbeat_rules.hpp): the ping before the power-off
// was answered if its pong arrived in time; the next one never is.
void World::time_out_silently(std::uint32_t c) {
  const auto& heartbeat = scenario_.clients[clients_.group[c]].heartbeat;
  if (!heartbeat || heartbeat->interval.count() <= 0 || heartbeat->timeout.count() <= 0) return;
  const std::int64_t round_trip =
      2 * route(gateways_[entry_node(c)].host, regions_[clients_.group[c]].host).latency_ns;
  const auto verdict = traffic::silent_peer_end(clients_.since_ns[c], now_ns(),
                                                {heartbeat->interval.count(), heartbeat->timeout.count()}, round_trip);
  const bool pong = verdict.cause == traffic::HeartbeatEnd::pong_timeout;
  push_lost_at(c, verdict.t_ns,
               pong ? "no pong within " + milliseconds(heartbeat->timeout) + " ms of a ping"
                    : "nothing heard for " + milliseconds(heartbeat->timeout) + " ms",
               static_cast<std::uint8_t>(pong ? CloseCause::pong_timeout : CloseCause::idle_timeout));
}

}  // namespace wsfo::model
