#pragma once
// `wsfo calibrate`: measures what the SimGrid model charges (docs/calibrate.md)
// on real processes: the gateway's CPU per handshake and per relayed message
// by size, a backend's CPU per upgrade, per broadcast and per message sent,
// the gateway's memory per connection; with `testbed`, the client fleet's CPU
// per attempt and per message received too; and writes them as a scenario
// `simulation` block.
#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "simulator/bench/backend_calibration.hpp"
#include "simulator/bench/client_calibration.hpp"

namespace wsfo::bench {

struct CalibrationOptions {
  std::string wsfo_exe;  // this binary: `wsfo backend` and `wsfo gateway` children
  std::size_t backends = 4;
  std::chrono::nanoseconds duration = std::chrono::seconds(3);  // per measurement
  std::size_t session_concurrency = 32;
  std::size_t echo_connections = 200;
  std::vector<std::size_t> message_sizes{64, 4096, 16384};  // echo payload bytes, one run each
  std::size_t idle_connections = 2000;
  std::vector<std::size_t> fanout_clients{0, 100, 1000};  // clients of the ticking backend, one run each
  std::chrono::nanoseconds broadcast_interval = std::chrono::milliseconds(10);
  // The client fleet's figures (`simulation.testbed`), only when asked for.
  bool testbed = false;
  std::size_t client_sessions = 200;                     // clients of the attempt loop
  std::vector<std::size_t> client_fanout{100, 1000};     // idle clients of a ticking backend, one run each
  std::chrono::nanoseconds client_interval = std::chrono::milliseconds(50);
};

struct EchoPoint {
  std::size_t message_size = 0;
  std::uint64_t messages = 0;  // relayed: two per round trip
  std::size_t connections = 0;
  double gateway_cpu_s = 0;
  double us_per_message = 0;
};

struct Calibration {
  double session_cpu_us = 0;    // gateway CPU per connect + upgrade + welcome + announcement + close handshake
  double tls_session_cpu_us = 0;    // the same session over TLS, through a TLS gateway
  double tls_handshake_cpu_us = 0;  // the difference: what one full TLS handshake adds
  std::uint64_t tls_sessions = 0;
  std::size_t held = 0;         // connections held open through the gateway, then closed
  double open_cpu_us = 0;       // gateway CPU per connection opened (upgrade, welcome, announcement)
  double close_cpu_us = 0;      // gateway CPU per connection closed (end of file from the client)
  double handshake_cpu_us = 0;  // open_cpu_us less its two relayed messages
  std::vector<EchoPoint> echo;
  double echo_message_cpu_us = 0;     // fit: gateway CPU per relayed echo message at 0 bytes
  double message_cpu_us_per_kib = 0;  // fit: added per KiB of payload
  ClientFanoutPoint fanout;           // a ticking backend's broadcasts relayed through the gateway
  double message_cpu_us = 0;          // the figure: gateway CPU per relayed broadcast message (fanout)
  double connection_bytes = 0;        // resident memory per idle proxied connection
  BackendFigures backend;
  std::optional<ClientFigures> clients;  // with `testbed` only
  unsigned cores = 0;                    // the cores of this machine, for the testbed block
  std::uint64_t sessions = 0;
  std::uint64_t messages = 0;
  std::string problems;  // empty when every measurement completed
};

// Throws std::runtime_error when a process cannot be started.
Calibration calibrate(const CalibrationOptions& options, std::ostream& progress);

// One line per figure of the block: its value and how it was measured.
void print_figures(const Calibration& calibration, std::ostream& out);

// {"simulation": {"within_unit", "between_units", "gateway_cpu": {...},
// "backend_cpu": {...}}} with the links of `links_from` (a `simulation`
// block) or the defaults, and "testbed": {"cores", "client_cpu": {...}}
// when the client fleet was measured.
nlohmann::ordered_json simulation_block(const Calibration& calibration, const nlohmann::ordered_json* links_from);

// A figure in microseconds as a scenario duration in whole nanoseconds,
// at least 1ns (the model needs a positive cost).
std::string duration_of_micros(double us);

}  // namespace wsfo::bench
