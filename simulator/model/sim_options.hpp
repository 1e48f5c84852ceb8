#pragma once
// Knobs of `wsfo simulate` that are not part of the scenario file.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::model {

using Duration = std::chrono::nanoseconds;

// Where a simulation is, for a progress line: handed to SimOptions::progress.
struct SimProgress {
  std::int64_t at_ns = 0;   // virtual time since the start
  std::int64_t end_ns = 0;  // the scenario's duration
  std::size_t clients = 0;
  std::function<std::uint64_t()> connected;  // counts the clients connected now (a pass over all of them)
  std::string action;                        // "#2 cutover", or "" before the first timeline event
};

struct SimOptions {
  std::uint64_t seed = 1;  // address picks and reconnect jitter
  // Clients that connect at the start spread their first attempt evenly over
  // this; absent: one second per 20,000 clients (a real fleet ramps up too).
  std::optional<Duration> ramp;
  Duration client_handshake_timeout = std::chrono::seconds(5);  // `wsfo clients --handshake-timeout`
  Duration max_execution = std::chrono::milliseconds(1);        // largest handshake chunk a gateway queues at once
  std::uint64_t handshake_bytes = 600;                          // request size on the wire
  std::vector<std::string> simgrid_config;                      // extra --cfg=... for SimGrid
  std::int64_t connection_memory_bytes = 40000;                 // per connection: two 16 KiB relay buffers and the rest
  // Message traffic is charged per step of this length (docs/simulate.md, "Message traffic").
  Duration traffic_step = std::chrono::milliseconds(100);
  // Overrides the gateways' limits.max_connections (the scenario's
  // gateway.max_connections, else the live gateway's default), for what-ifs.
  std::optional<std::size_t> max_connections;
  // Called while the timeline waits, every progress_step of virtual time
  // (`wsfo simulate` on a terminal); absent, the timeline sleeps straight to
  // its next action. Either way the model plays the same events.
  std::function<void(const SimProgress&)> progress;
  Duration progress_step = std::chrono::milliseconds(100);
};

}  // namespace wsfo::model
