#pragma once
// The backend half of `wsfo calibrate`: the CPU a `wsfo backend` process
// spends per broadcast, per message it sends to one client, and per upgrade
// it accepts. The load generator runs in this process, never in the measured
// one.
#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "simulator/bench/bench_peers.hpp"
#include "simulator/bench/calibration_fit.hpp"

namespace wsfo::bench {

// A `wsfo backend` with the given extra flags (e.g. --interval 10ms
// --announce self). Throws std::runtime_error naming what failed to start.
RunningProcess start_backend_with(const std::string& wsfo_exe, const std::string& label, const std::string& log,
                                  const std::vector<std::string>& extra_flags);

struct BackendStatsSample {
  std::uint64_t messages_sent = 0;
  std::uint64_t last_broadcast_seq = 0;
  std::uint64_t open_connections = 0;
};

// GET /stats of a backend. Throws std::runtime_error when it does not answer.
BackendStatsSample read_backend_stats(const Target& backend);

// One measurement: the CPU process `pid` spends over `duration`, and the
// backend's /stats on either side of it.
struct StatsWindow {
  double cpu_s = 0;
  BackendStatsSample before, after;
  std::int64_t from_ns = 0, to_ns = 0;  // CLOCK_MONOTONIC, as wsfo's events are stamped

  std::uint64_t messages() const { return after.messages_sent - before.messages_sent; }
  std::uint64_t broadcasts() const { return after.last_broadcast_seq - before.last_broadcast_seq; }
};
StatsWindow measure_window(pid_t pid, const Target& backend, std::chrono::nanoseconds duration);

struct FanoutPoint {
  std::size_t clients = 0;      // idle clients connected straight to the backend
  std::uint64_t ticks = 0;      // broadcasts sent in the window
  double clients_per_tick = 0;  // messages sent per broadcast (the fan-out as it happened)
  double cpu_us_per_tick = 0;
};

struct BackendFigures {
  std::vector<FanoutPoint> fanout;
  double broadcast_us = 0;  // fit intercept: per broadcast whatever its fan-out
  double message_us = 0;    // fit slope: per message sent to one client
  std::uint64_t sessions = 0;
  double session_us = 0;    // backend CPU per connect + upgrade + welcome + announcement + close handshake
  std::size_t held = 0;     // connections held open straight to it, then closed
  double open_us = 0;       // backend CPU per connection opened (upgrade, welcome, announcement)
  double close_us = 0;      // backend CPU per connection closed by its client
  double handshake_us = 0;  // open_us less the welcome and the announcement
  std::string problems;     // empty when every measurement completed
};

struct BackendCalibrationOptions {
  std::string wsfo_exe;
  std::string dir;  // for the backends' logs
  std::vector<std::size_t> fanout_clients{0, 100, 1000};
  std::chrono::nanoseconds interval = std::chrono::milliseconds(10);
  std::chrono::nanoseconds duration = std::chrono::seconds(3);
  std::size_t session_concurrency = 32;
  std::size_t held_connections = 2000;  // opened at once, then closed
};

// Throws std::runtime_error when a backend cannot be started.
BackendFigures calibrate_backend(const BackendCalibrationOptions& options, std::ostream& progress);

}  // namespace wsfo::bench
