#pragma once
// What a process spends to open and to close many WebSocket connections
// held idle: the upgrade (with the welcome and announcement it sends or
// relays) apart from the teardown, which the model charges separately, when
// a connection ends while its process lives (a killed process tears nothing
// down). Also its resident memory per connection held.
#include <sys/types.h>

#include <chrono>
#include <cstddef>

#include "simulator/bench/ws_load.hpp"

namespace wsfo::bench {

struct HeldConnectionsCost {
  std::size_t opened = 0;
  double open_cpu_s = 0;   // from the first connect until the last byte they were sent
  double close_cpu_s = 0;  // from their close until the process is idle again
  long rss_before_kib = -1, rss_held_kib = -1;

  double open_us() const { return opened ? open_cpu_s / static_cast<double>(opened) * 1e6 : 0; }
  double close_us() const { return opened ? close_cpu_s / static_cast<double>(opened) * 1e6 : 0; }
};

// Opens `count` connections to `target` (the process `pid` serves them),
// waits until they are quiet, then closes them all (the client's socket
// closes, without a close frame: end of file to the process) and waits until
// `pid`'s CPU stops moving.
HeldConnectionsCost measure_held_connections(pid_t pid, const Target& target, std::size_t count);

// Waits until `pid` has used no CPU for `quiet` (it has done what it was
// given), at most `timeout`; returns its CPU seconds then.
double cpu_when_idle(pid_t pid, std::chrono::milliseconds quiet, std::chrono::milliseconds timeout);

}  // namespace wsfo::bench
