#pragma once
// The client-fleet half of `wsfo calibrate --testbed`: the CPU a real `wsfo
// clients` process spends per connection attempt and per message it
// receives, the two figures the model's testbed mode charges the fleet
// (`simulation.testbed.client_cpu`). The measured fleet talks straight to a
// `wsfo backend`; nothing else runs in it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace wsfo::bench {

struct ClientCalibrationOptions {
  std::string wsfo_exe;  // this binary: `wsfo clients` and `wsfo backend` children
  std::string dir;       // for their logs and event files
  std::chrono::nanoseconds duration = std::chrono::seconds(3);  // per measurement
  // Clients that close this long after each open and reconnect at once: the
  // attempt loop.
  std::size_t session_clients = 200;
  std::chrono::nanoseconds close_after = std::chrono::milliseconds(10);
  // Idle clients of a backend ticking every `interval`, one run each.
  std::vector<std::size_t> fanout_clients{100, 1000};
  std::chrono::nanoseconds interval = std::chrono::milliseconds(50);
  // Where the fleet's source addresses come from (`wsfo clients --source-net`).
  std::string source_net = "127.78.0.0/16";
};

struct ClientFanoutPoint {
  std::size_t clients = 0;       // idle clients of the ticking backend
  std::uint64_t messages = 0;    // the backend sent in the window (GET /stats messages_sent)
  std::uint64_t ticks = 0;       // its broadcasts in the window
  double cpu_s = 0;              // the measured process's CPU in the window (the fleet, or the gateway)
  double us_per_message = 0;     // cpu_s / messages
  double messages_per_tick = 0;  // the fan-out as it happened
  double us_per_tick = 0;        // cpu_s / ticks
};

struct ClientFigures {
  std::vector<ClientFanoutPoint> fanout;
  double message_us = 0;  // fit slope: fleet CPU per message received
  double wakeup_us = 0;   // fit intercept: per broadcast whatever its fan-out (not charged by the model)
  std::string loop;                     // the attempt loop, in words
  std::uint64_t attempts = 0;           // `attempt` events of the attempt loop in its window
  std::uint64_t connected = 0;          // `connected` events in the same window
  std::uint64_t session_messages = 0;   // the backend sent in that window
  double session_cpu_s = 0;             // the fleet's CPU in that window
  double attempt_us = 0;                // session_cpu_s / attempts
  double messages_per_attempt = 0;      // session_messages / attempts
  std::uint64_t dropped = 0;            // connections a killed backend ended under the fleet
  double drop_cpu_s = 0;                // the fleet's CPU from that kill until it was idle
  double close_us = 0;                  // drop_cpu_s / dropped
  double handshake_us = 0;              // attempt_us less messages_per_attempt x message_us, less close_us
  std::string problems;                 // empty when every measurement completed
};

// Throws std::runtime_error when a process cannot be started.
ClientFigures calibrate_clients(const ClientCalibrationOptions& options, std::ostream& progress);

// The same fan-out with a `wsfo gateway` between the fleet and the backend:
// the gateway's CPU per relayed broadcast message (us_per_message), the
// form most relayed messages take in a scenario (announcements, broadcasts).
ClientFanoutPoint measure_gateway_fanout(const ClientCalibrationOptions& options, std::size_t clients,
                                         std::string& problems);

// The cores this process may run on (what nproc prints), at least 1.
unsigned usable_cores();

}  // namespace wsfo::bench
