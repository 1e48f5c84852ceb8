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
// pong (two relayed messages). What an accepted connection causes is queued
// on the hosts' CPU queues at its accept, so the gateway serves it before
// the handshakes that come after; an `announce: all` fan-out costs a read
// only for the clients with none queued (ReadCoalescer). Broadcasts and
// pings are charged per step, as a fluid rate the caller sets. Pings are a rate: a step gets its share, the fraction
// carried to the next step.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/scenario/scenario.hpp"
#include "core/traffic/cpu_queue.hpp"
#include "core/traffic/read_coalescer.hpp"

namespace wsfo::traffic {

struct BackendTraffic {
  std::string label;                       // the unit label its texts carry
  std::int64_t broadcast_interval_ns = 0;  // 0: no broadcasts
  std::size_t message_size = 0;            // broadcasts padded to this
  bool announce_to_all = true;
};

// A step's messages, bytes and CPU. The counts (messages, bytes) include
// the connections accepted since the last step; the CPU fields are the
// step's periodic work only (broadcasts, pings), as `connect` queued the
// accepts' work already.
struct StepTraffic {
  std::vector<std::uint64_t> gateway_messages;  // relayed, both directions
  std::vector<std::uint64_t> gateway_bytes;     // on the wire, both directions
  std::vector<std::int64_t> gateway_cpu_ns;
  std::vector<std::uint64_t> backend_messages;    // sent
  std::vector<std::uint64_t> backend_broadcasts;  // broadcasts and announcements
  std::vector<std::int64_t> backend_cpu_ns;
  std::vector<std::uint64_t> pair_bytes;             // [backend * gateways + gateway]: between them, both directions
  std::vector<std::uint64_t> broadcasts_per_client;  // per backend: broadcast ticks in the step
};

class TrafficLedger {
 public:
  TrafficLedger(std::vector<BackendTraffic> backends, std::size_t gateways, const scenario::Simulation& costs);

  // A connection accepted by `backend`, relayed by `first` and, for the
  // `proxy` correction, also by `second` (the entry node; -1: none).
  // `ping_interval_ns` 0: no heartbeat. `path_size`: its request path, which
  // the announcement names. Its welcome, first message, echo and
  // announcement (to itself, or to every client of its backend, through
  // whichever gateways relay them) are queued on the CPU queues at `now_ns`.
  void connect(std::int64_t now_ns, std::size_t backend, int first, int second, std::int64_t ping_interval_ns,
               std::size_t path_size);
  void disconnect(std::size_t backend, int first, int second, std::int64_t ping_interval_ns);
  // The teardown of a connection that ended, on the hosts still running:
  // the close figure on gateways `first` and `second` (-1: none, or dead)
  // and on the backend when `backend_alive`.
  void closed(std::int64_t now_ns, std::size_t backend, int first, int second, bool backend_alive);

  // The traffic of (from, to]: broadcasts due in it, pings at their rate,
  // and the counts of the connections accepted since the last step.
  StepTraffic step(std::int64_t from_ns, std::int64_t to_ns);

  std::uint64_t clients(std::size_t backend, std::size_t gateway) const { return pair_[at(backend, gateway)].clients; }
  std::uint64_t backend_clients(std::size_t backend) const { return backend_[backend].clients; }
  bool announces_to_all(std::size_t backend) const { return specs_[backend].announce_to_all; }
  std::size_t gateways() const { return gateways_; }
  std::size_t backends() const { return specs_.size(); }
  // Each host's one CPU queue (the caller queues handshakes and sets the
  // steps' rates on them too).
  CpuQueue& gateway_cpu(std::size_t gateway) { return gateway_cpu_[gateway]; }
  CpuQueue& backend_cpu(std::size_t backend) { return backend_cpu_[backend]; }
  // The host died: its queue, and the reads queued on it, with it.
  void clear_gateway(std::size_t gateway, std::int64_t now_ns);
  void clear_backend(std::size_t backend, std::int64_t now_ns);

 private:
  struct Heartbeats {
    std::int64_t interval_ns = 0;
    std::uint64_t clients = 0;
    std::int64_t carry_ns = 0;  // client-nanoseconds not yet worth a ping: the fraction carried over
  };
  struct Counts {
    std::uint64_t clients = 0;
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
  std::vector<CpuQueue> gateway_cpu_, backend_cpu_;
  std::vector<ReadCoalescer> reads_;  // [backend * gateways + gateway]
  StepTraffic accepted_;              // counts of the accepts since the last step (CPU fields unused)
};

}  // namespace wsfo::traffic
