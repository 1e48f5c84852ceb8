#pragma once
// The message traffic of the model, from counts and not sockets: how many
// connections each backend has through each gateway (kept at connect and
// disconnect, never per client per step), and from that, per time step,
// the messages and bytes each gateway relays, the CPU they cost it and the
// backend hosts, and the bytes between each backend and gateway. What is
// sent is what the live backend and client send (docs/simulate.md,
// "Message traffic"): per connection a welcome text, the announcement (to
// the new client, or with `announce: all` to every client of the backend),
// the client's first message and its echo; every broadcast interval one
// `<seq>:<label>` message to each client; a heartbeat client's ping and the
// pong (two relayed messages). Pings are a rate: a step gets its share, the
// fraction carried to the next step.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/scenario/scenario.hpp"

namespace wsfo::traffic {

struct BackendTraffic {
  std::string label;                   // the unit label its texts carry
  std::int64_t broadcast_interval_ns = 0;  // 0: no broadcasts
  std::size_t message_size = 0;        // broadcasts padded to this
  bool announce_to_all = true;
};

struct StepTraffic {
  std::vector<std::uint64_t> gateway_messages;  // relayed, both directions
  std::vector<std::uint64_t> gateway_bytes;     // on the wire, both directions
  std::vector<std::int64_t> gateway_cpu_ns;
  std::vector<std::uint64_t> backend_messages;  // sent
  std::vector<std::uint64_t> backend_broadcasts;  // broadcasts and announcements
  std::vector<std::int64_t> backend_cpu_ns;
  std::vector<std::uint64_t> pair_bytes;  // [backend * gateways + gateway]: between them, both directions
  std::vector<std::uint64_t> broadcasts_per_client;  // per backend: broadcast ticks in the step
};

class TrafficLedger {
 public:
  TrafficLedger(std::vector<BackendTraffic> backends, std::size_t gateways, const scenario::Simulation& costs);

  // A connection accepted by `backend`, relayed by `first` and, for the
  // `proxy` correction, also by `second` (the entry node; -1: none).
  // `ping_interval_ns` 0: no heartbeat. `path_size`: its request path, which
  // the announcement names.
  void connect(std::size_t backend, int first, int second, std::int64_t ping_interval_ns, std::size_t path_size);
  void disconnect(std::size_t backend, int first, int second, std::int64_t ping_interval_ns);

  // The traffic of (from, to]: broadcasts due in it, connections accepted
  // since the last step, pings at their rate.
  StepTraffic step(std::int64_t from_ns, std::int64_t to_ns);

  std::uint64_t clients(std::size_t backend, std::size_t gateway) const { return pair_[at(backend, gateway)].clients; }
  std::uint64_t backend_clients(std::size_t backend) const { return backend_[backend].clients; }
  std::size_t gateways() const { return gateways_; }
  std::size_t backends() const { return specs_.size(); }

 private:
  struct Heartbeats {
    std::int64_t interval_ns = 0;
    std::uint64_t clients = 0;
    std::int64_t carry_ns = 0;  // client-nanoseconds not yet worth a ping: the fraction carried over
  };
  struct Counts {
    std::uint64_t clients = 0;
    std::uint64_t accepted = 0;         // since the last step
    std::uint64_t path_bytes = 0;       // of those accepted
    std::vector<Heartbeats> heartbeats;  // one per ping interval in use
  };
  std::size_t at(std::size_t b, std::size_t g) const { return b * gateways_ + g; }
  static void add_heartbeat(Counts& counts, std::int64_t interval_ns, bool add);
  static std::uint64_t due_pings(Counts& counts, std::int64_t step_ns);

  std::vector<BackendTraffic> specs_;
  std::size_t gateways_ = 0;
  scenario::Simulation costs_;
  std::vector<Counts> pair_;     // [backend * gateways + gateway]: per relaying gateway
  std::vector<Counts> backend_;  // per backend: each connection once
};

}  // namespace wsfo::traffic
