#pragma once
// `wsfo calibrate`: measures the real gateway's CPU cost per handshake and per
// relayed message (and its memory per connection) with the load generator of
// `wsfo bench gateway`, and writes them as a scenario `simulation` block.
#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>

#include "core/json/json_reader.hpp"

namespace wsfo::bench {

struct CalibrationOptions {
  std::string wsfo_exe;  // this binary: `wsfo backend` and `wsfo gateway` children
  std::size_t backends = 4;
  std::chrono::nanoseconds duration = std::chrono::seconds(3);  // per measurement
  std::size_t session_concurrency = 32;
  std::size_t echo_connections = 200;
  std::size_t message_size = 64;
  std::size_t idle_connections = 2000;
};

struct Calibration {
  double handshake_cpu_us = 0;  // gateway CPU per connect + upgrade + close
  double message_cpu_us = 0;    // gateway CPU per relayed message (either direction)
  double connection_bytes = 0;  // resident memory per idle proxied connection
  std::uint64_t sessions = 0;
  std::uint64_t messages = 0;
  std::string problems;  // empty when every measurement completed
};

// Throws std::runtime_error when a process cannot be started.
Calibration calibrate(const CalibrationOptions& options, std::ostream& progress);

// {"simulation": {"within_unit": ..., "between_units": ..., "gateway_cpu": {...}}}
// with the links of `links_from` (a `simulation` block) or the defaults.
json::Json simulation_block(const Calibration& calibration, const json::Json* links_from);

}  // namespace wsfo::bench
