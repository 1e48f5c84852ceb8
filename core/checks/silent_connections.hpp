#pragma once
// Clients left on a dead connection: when a VIP leaves the node that served
// them (a preempting node takes it back, the node powers off), a real client
// often hears nothing: no reset, no end of file, until it sends something
// (the new holder answers with a reset) or its heartbeat times out. Per
// window and client group: how many were affected, how many noticed at once,
// how long the others sat there, and how many had not noticed when the
// window ended.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/checks/history_checks.hpp"
#include "core/clients/latency_summary.hpp"

namespace wsfo::checks {

// Noticed within this long of the VIP leaving: the connection was not silent.
inline constexpr std::int64_t kNoticedAtOnceNs = 1'000'000'000;

// One client left on a dead connection, for comparisons routerId by routerId.
struct DeadClient {
  std::uint64_t router_id = 0;
  std::int64_t dead_since_ns = 0;
  std::optional<std::int64_t> noticed_ns;  // its next `disconnected`, in any window; nullopt: never
};

struct SilentGroup {
  std::string group;               // the client group (the events' source)
  std::uint64_t affected = 0;      // connected through the node, via the VIP, when it left
  std::uint64_t noticed_at_once = 0;
  std::uint64_t noticed_later = 0;
  std::uint64_t not_noticed = 0;   // no disconnect before the window ended
  clients::LatencySamples delay;   // dead since → disconnected, of those that noticed (at once or later)
  std::vector<DeadClient> clients{};  // the affected ones, in the order they noticed (never: last)
};

struct SilentWindow {
  std::size_t window = 0;  // index into the windows given
  std::vector<SilentGroup> groups;

  std::uint64_t silent() const;  // noticed later + not noticed, over the groups
};

// `history` sorted by t_ns. Only windows with affected clients are returned.
// A VIP leaves a node when the node writes a `vip` event leaving MASTER (dead
// since then), or when another node becomes MASTER while the node never said
// it left (it was killed or powered off: dead since its window started).
std::vector<SilentWindow> find_silent_connections(std::span<const history::Event> history,
                                                  std::span<const EventWindow> windows);

}  // namespace wsfo::checks
