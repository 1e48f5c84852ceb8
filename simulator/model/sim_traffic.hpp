#pragma once
// Message traffic in the model (docs/simulate.md, "Message traffic"): core's
// TrafficLedger keeps per (backend, gateway) connection counts, updated at
// connect and disconnect. Each gateway and backend host has one CPU queue,
// first come first served, as the live gateway's single io thread: the
// gateway actor queues its handshake chunks on it, an accept queues the
// welcome, echo and announcement fan-out it causes at once, and one actor,
// every `--traffic-step`, sets the step's broadcasts and pings as a fluid
// rate. The queue delay is what a relayed message, or a handshake, waits.
#include <cstdint>
#include <memory>
#include <optional>
#include <simgrid/s4u.hpp>
#include <unordered_map>
#include <vector>

#include "core/traffic/cpu_queue.hpp"
#include "core/traffic/heartbeat_rules.hpp"
#include "core/traffic/read_coalescer.hpp"
#include "core/traffic/shared_cores.hpp"
#include "core/traffic/traffic_ledger.hpp"

namespace wsfo::model {

class World;

struct LinkSeries {
  std::vector<std::uint64_t> bytes;  // per second of virtual time
};

struct BackendSeries {
  std::vector<std::int64_t> busy_ns;
  std::vector<std::uint64_t> messages;
};

class TrafficModel {
 public:
  TrafficModel(World& world);

  void connect(std::uint32_t client);     // the client's connection is registered (gateway accept)
  void disconnect(std::uint32_t client);  // it is not any more (World::unregister)
  void run();                             // the actor's body

  // The gateway queues `work_ns` of handshake CPU now: when the CPU
  // finishes it (after everything queued before). `wait_ns`: how long work
  // arriving now waits.
  std::int64_t queue_handshakes(std::size_t gateway, std::int64_t work_ns);
  std::int64_t gateway_wait(std::size_t gateway);
  // How long work arriving at the backend now waits (its part of an upgrade).
  std::int64_t backend_wait(std::size_t backend);
  // On a testbed (scenario `simulation.testbed`), the client fleet's CPU
  // handles an attempt's answer that reached the region at `t_ns`: when it
  // is done with it. Without a testbed the clients cost nothing: `t_ns`.
  std::int64_t client_handles(std::size_t region, std::uint32_t client, std::int64_t t_ns);
  bool testbed() const { return machine_ != nullptr; }
  // On a testbed, when the fleet's CPU is done with a connection that ended
  // under it (read at `t_ns`); `t_ns` without one.
  std::int64_t client_closes(std::size_t region, std::int64_t t_ns);

  // The round trip of a ping the client sends at `t_ns` on its current
  // connection: the path there and back plus the queues of its gateways.
  std::int64_t ping_rtt(std::uint32_t client, std::int64_t t_ns);
  // The longest answered ping of the client's connection, ending at `end_ns`.
  std::optional<std::int64_t> ping_rtt_max(std::uint32_t client, std::int64_t end_ns);
  // The pings the client sent on its connection, ending at `end_ns`.
  std::uint32_t pings_sent(std::uint32_t client, std::int64_t end_ns);

  std::int64_t step_ns() const { return step_ns_; }
  const std::vector<BackendSeries>& backend_series() const { return backends_; }
  const std::vector<LinkSeries>& link_series() const { return links_; }
  const std::vector<simgrid::s4u::Link*>& links() const { return link_list_; }

 private:
  void charge_links(std::int64_t t_ns, const traffic::StepTraffic& step);
  void set_client_rates(std::int64_t t_ns, std::uint64_t messages);
  void time_out_late_pongs(std::size_t gateway, std::int64_t from_ns, std::int64_t to_ns);
  std::int64_t delay_at(std::size_t gateway, std::int64_t t_ns) const;
  std::int64_t backend_delay_at(std::size_t backend, std::int64_t t_ns) const;
  // The host's queue, emptied when the host died or restarted since.
  traffic::CpuQueue& gateway_cpu(std::size_t gateway);
  traffic::CpuQueue& backend_cpu(std::size_t backend);

  World& w_;
  std::int64_t step_ns_ = 0;
  traffic::TrafficLedger ledger_;
  std::vector<std::uint32_t> gateway_epoch_;  // the gateway's epoch its queue belongs to
  std::vector<bool> backend_was_on_;
  std::vector<std::int64_t> gateway_served_, backend_served_;  // CPU booked so far
  std::vector<std::int64_t> gateway_wait_max_;                 // the longest wait a handshake chunk saw this step
  std::vector<std::vector<std::int64_t>> gateway_delay_, backend_delay_;  // per step, at its end
  std::vector<bool> doomed_;            // per client: its connection ends at a late pong already
  std::int64_t shortest_patience_ = 0;  // of the heartbeat groups: when a pong is overdue
  std::vector<BackendSeries> backends_;
  std::vector<simgrid::s4u::Link*> link_list_;
  std::unordered_map<const simgrid::s4u::Link*, std::size_t> link_index_;
  std::vector<LinkSeries> links_;
  std::vector<std::int64_t> group_ping_interval_;
  std::vector<std::size_t> group_path_size_;
  // The testbed: one machine's cores under every queue, and the client
  // fleet's own queue per region.
  std::unique_ptr<traffic::SharedCores> machine_;
  std::vector<traffic::CpuQueue> client_cpu_;
  std::vector<traffic::ReadCoalescer> client_reads_;  // [region * backends + backend]
  struct Delivery {  // what an accept sent to the clients, read after the new client's 101
    std::uint16_t backend = 0;
    bool to_all = false;
    std::uint64_t announced = 0;
  };
  std::unordered_map<std::uint32_t, Delivery> pending_;  // by client
  std::vector<std::uint64_t> region_connected_;
  std::uint64_t connected_total_ = 0;  // the sum of region_connected_
  std::uint64_t accepted_client_messages_ = 0;  // since the last step: sent to clients by accepts
  std::int64_t client_handshake_ns_ = 0, client_message_ns_ = 0, client_close_ns_ = 0;
};

}  // namespace wsfo::model
