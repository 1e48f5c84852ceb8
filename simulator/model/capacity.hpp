#pragma once
// Capacity figures of a simulated run (issue 7, output): handshakes per second
// reaching each gateway, gateway CPU use over time, peak concurrent
// connections per node, and per timeline event the time until 99% and 100%
// of its disconnected clients were connected again.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/checks/history_checks.hpp"
#include "core/history/event.hpp"

namespace wsfo::model {

struct NodeCapacity {
  std::string node;
  std::string unit;
  std::vector<std::uint64_t> arrived_per_s;  // handshakes reaching the gateway, per second of virtual time
  std::vector<std::uint64_t> handled_per_s;  // handshakes it spent CPU on
  std::vector<double> cpu_per_s;             // CPU use, 0..1 of one core
  std::uint64_t peak_arrived_per_s = 0;
  double peak_cpu = 0;
  std::uint64_t peak_connections = 0;
  std::uint64_t dropped_stale = 0;
  std::uint64_t closed_over_cap = 0;  // handshakes in progress over the node's cap, closed unanswered
  std::vector<std::uint64_t> messages_relayed_per_s;  // both directions
  std::vector<std::int64_t> queue_delay_max_ns_per_s;   // what a relayed message waits for the CPU
  std::vector<std::int64_t> queue_delay_mean_ns_per_s;
  std::uint64_t peak_messages_per_s = 0;
  std::int64_t peak_queue_delay_ns = 0;
};

struct BackendCapacity {
  std::string backend;
  std::string unit;
  std::vector<double> cpu_per_s;  // handshakes, broadcasts and messages, 0..1 of one core
  std::vector<std::uint64_t> messages_sent_per_s;
  double peak_cpu = 0;
  std::uint64_t peak_messages_per_s = 0;
};

struct LinkCapacity {
  std::string name;
  double peak_utilisation = 0;  // the busiest second's bytes over the link's bandwidth
};

struct EventRecovery {
  std::size_t event = 0;
  std::string name;
  std::uint64_t disconnected = 0;
  std::uint64_t reconnected = 0;
  std::optional<std::int64_t> p99_ns;  // from the event until 99% were back
  std::optional<std::int64_t> all_ns;  // until every one was back (absent: not all came back)
};

struct Capacity {
  std::vector<NodeCapacity> nodes;
  std::vector<BackendCapacity> backends;
  std::vector<LinkCapacity> links;  // the links message traffic used
  std::vector<EventRecovery> events;
  std::uint64_t clients = 0;
  std::int64_t connection_bytes = 0;  // memory per connection assumed for the peak memory figure
};

// Fills `events` from the checks' analysis (one window per timeline event).
void add_recovery(Capacity& capacity, const checks::Analysis& analysis,
                  const std::vector<checks::EventWindow>& windows);

void write_capacity_text(const Capacity& capacity, std::ostream& out);
void write_capacity_json(const Capacity& capacity, std::ostream& out);
std::vector<std::string> capacity_notes(const Capacity& capacity);

}  // namespace wsfo::model
