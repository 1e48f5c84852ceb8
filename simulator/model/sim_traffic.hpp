#pragma once
// Message traffic in the model (docs/simulate.md, "Message traffic"): core's
// TrafficLedger keeps per (backend, gateway) connection counts, updated at
// connect and disconnect; one actor, every `--traffic-step`, spends each
// step's relay CPU as SimGrid executions on the gateway and backend hosts
// (sharing the CPU with the gateway actor's handshakes, as the live io
// thread does), reads back how much the host really served, and keeps a
// FIFO backlog per host whose queue delay is what a relayed message waits.
#include <cstdint>
#include <optional>
#include <simgrid/s4u.hpp>
#include <unordered_map>
#include <vector>

#include "core/traffic/fifo_backlog.hpp"
#include "core/traffic/heartbeat_rules.hpp"
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

  // The round trip of a ping the client sends at `t_ns` on its current
  // connection: the path there and back plus the queues of its gateways.
  std::int64_t ping_rtt(std::uint32_t client, std::int64_t t_ns);
  // The longest answered ping of the client's connection, ending at `end_ns`.
  std::optional<std::int64_t> ping_rtt_max(std::uint32_t client, std::int64_t end_ns);

  std::int64_t step_ns() const { return step_ns_; }
  const std::vector<BackendSeries>& backend_series() const { return backends_; }
  const std::vector<LinkSeries>& link_series() const { return links_; }
  const std::vector<simgrid::s4u::Link*>& links() const { return link_list_; }

 private:
  void charge_links(std::int64_t t_ns, const traffic::StepTraffic& step);
  void time_out_late_pongs(std::size_t gateway);
  std::int64_t delay_at(std::size_t gateway, std::int64_t t_ns) const;
  std::int64_t backend_delay_at(std::size_t backend, std::int64_t t_ns) const;

  World& w_;
  std::int64_t step_ns_ = 0;
  traffic::TrafficLedger ledger_;
  std::vector<traffic::FifoBacklog> gateway_backlog_, backend_backlog_;
  std::vector<std::vector<std::int64_t>> gateway_delay_, backend_delay_;  // per step
  std::vector<bool> pongs_late_;  // per gateway: its heartbeat clients were told already
  std::vector<BackendSeries> backends_;
  std::vector<simgrid::s4u::Link*> link_list_;
  std::unordered_map<const simgrid::s4u::Link*, std::size_t> link_index_;
  std::vector<LinkSeries> links_;
  std::vector<std::int64_t> group_ping_interval_;
  std::vector<std::size_t> group_path_size_;
};

}  // namespace wsfo::model
