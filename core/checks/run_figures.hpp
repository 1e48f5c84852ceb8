#pragma once
// Figures computed from one run's history, the same code for a live run and a
// simulated one (`wsfo bench fidelity` compares them): what a fault did to
// the clients (how many it disconnected, how fast 99% came back, the
// handshake p99 of the storm that followed, failed attempts, handshake
// timeouts) and whether the run was saturated.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/history/event.hpp"

namespace wsfo::checks {

// Above this handshake p99 (over every `connected` event of the run) a run is
// saturated, as it is when any handshake timed out.
inline constexpr std::int64_t kSaturatedHandshakeP99Ns = 1'000'000'000;

// The first timeline action of these kinds is the run's fault.
inline bool is_fault_action(const std::string& action) { return action == "kill" || action == "cutover"; }

struct FaultFigures {
  std::uint64_t index = 0;  // the action's index in the timeline
  std::string action;       // "kill", "cutover"
  std::int64_t at_ns = 0;   // when it was played
  // Distinct routerIds with a `disconnected` event from the action until the
  // next action (or the end of the history), but for the clients' own
  // shutdown when the run ends (cause `shutdown`).
  std::uint64_t disconnected = 0;
  // From the action until 99% (nearest rank) of them had a `connected` event
  // after their disconnection; nullopt when fewer came back, or nobody was
  // disconnected.
  std::optional<std::int64_t> back_99_ns{};
  // The storm: from the action until every disconnected client was back (or
  // the window ends). Its `connected` events' handshake_ns p99, its
  // `rejected` events, and those rejected for handshake_timeout or
  // connect_timeout.
  std::int64_t storm_end_ns = 0;
  std::optional<std::int64_t> handshake_p99_ns{};
  std::uint64_t failed_attempts = 0;
  std::uint64_t handshake_timeouts = 0;
};

struct RunFigures {
  std::optional<FaultFigures> fault{};  // nullopt: the history played no kill or cutover
  // Over the whole history.
  std::uint64_t connected_events = 0;
  std::optional<std::int64_t> handshake_p99_ns{};
  std::uint64_t handshake_timeouts = 0;
  std::uint64_t messages_lost = 0;       // sum of `gap` events' missing
  std::uint64_t heartbeat_timeouts = 0;  // disconnections by idle_timeout or pong_timeout
  std::int64_t first_ns = 0;             // earliest event: the run's start
  std::int64_t last_ns = 0;

  // Any handshake timed out, or the handshake p99 exceeded one second.
  bool saturated() const {
    return handshake_timeouts > 0 || (handshake_p99_ns && *handshake_p99_ns > kSaturatedHandshakeP99Ns);
  }
};

// `history` in time order (as history.jsonl is written).
RunFigures compute_run_figures(std::span<const history::Event> history);

// A rejection that is a handshake timeout (the client gave up waiting).
bool is_handshake_timeout(const history::Event& event);

}  // namespace wsfo::checks
