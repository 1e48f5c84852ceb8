#pragma once
// What a fleet did, printed at exit: counts per event kind and cause, and the
// reconnect and handshake latency percentiles.
#include <cstdint>
#include <map>
#include <string>

#include "core/clients/latency_summary.hpp"

namespace wsfo::clients {

struct FleetSummary {
  std::uint64_t clients = 0;
  std::uint64_t attempts = 0;
  std::uint64_t redirects = 0;
  std::uint64_t connected = 0;
  std::uint64_t messages = 0;
  std::uint64_t gaps = 0;                             // gap events
  std::uint64_t missing_messages = 0;                 // sum of their sizes
  std::map<std::string, std::uint64_t> rejected;      // by error
  std::map<std::string, std::uint64_t> disconnected;  // by cause
  LatencySamples reconnect_latency;                   // from a disconnection to the next connection
  LatencySamples handshake_latency;                   // TCP connect + upgrade of the last hop
  double elapsed_seconds = 0;

  void merge(const FleetSummary& other);
  std::uint64_t rejected_total() const;
  std::uint64_t disconnected_total() const;
  std::string format() const;  // a few human-readable lines
};

}  // namespace wsfo::clients
