#pragma once
// The live engine's one time source: CLOCK_MONOTONIC (std::chrono::steady_clock
// on Linux), shared by every process of a run on one machine, so the events
// of gateways, clients, VRRP agents and the orchestrator merge by timestamp.
// The model has its own (virtual time); core reads none and is handed times.
#include <chrono>
#include <cstdint>

namespace wsfo::process {

struct LiveClock {
  using Steady = std::chrono::steady_clock;

  static Steady::time_point now() { return Steady::now(); }
  static std::chrono::nanoseconds since_epoch() { return now().time_since_epoch(); }
  static std::int64_t now_ns() { return since_epoch().count(); }
  // The wall clock, only for what the seed's protocol carries (Date.now()).
  static std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace wsfo::process
