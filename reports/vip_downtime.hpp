#pragma once
// For a VIP fault (a node killed, its gateway stopped, ...): how long the VIP
// took to move (the takeover, from core/checks) and how long the clients of
// the node that lost it were without service (their downtime).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/checks/connection_series.hpp"
#include "core/clients/latency_summary.hpp"
#include "core/history/event.hpp"

namespace wsfo::reports {

struct VipFault {
  checks::Takeover takeover;
  std::string old_master;                         // the node that held the VIP before; "" when the history does not say
  std::size_t clients_down = 0;                   // its clients that disconnected in the event's window
  std::size_t not_back = 0;                       // of those, how many never connected again
  clients::LatencySamples downtime;               // per client: disconnect → next connected (anywhere)
  std::optional<std::int64_t> all_back_after_ns;  // timeline event → the last of them back; nullopt if one never came
};

// One VipFault per takeover. A client belongs to the old master when its last
// `connected` before the disconnect names that node; when the old master is
// unknown, every client that disconnected in the window counts.
std::vector<VipFault> vip_faults(std::span<const history::Event> history,
                                 std::span<const checks::VipTransition> transitions,
                                 std::span<const checks::Takeover> takeovers,
                                 std::span<const checks::EventWindow> windows);

}  // namespace wsfo::reports
