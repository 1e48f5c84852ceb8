#pragma once
// The SimGrid model of a scenario (issue 7): SimGrid holds the hosts
// (gateway nodes, backends, one host per client group "region", the
// orchestrator), the links, the gateways' CPU and the faults; clients are
// compact state in arrays, not actors. A few actors keep it fast: one per
// gateway node (takes batches of handshakes from its mailbox, spends CPU on
// them with executions, decides each with core/gateway's route decision),
// one per client region (a priority queue of virtual times drives every
// client of the group), one timeline actor (cutovers through the core
// workflow, kills as Host::turn_off, partitions as Link::turn_off).
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <simgrid/s4u.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clients/reconnect_policy.hpp"
#include "core/clients/ws_url.hpp"
#include "core/gateway/backend_pool.hpp"
#include "core/gateway/gateway_config.hpp"
#include "core/gateway/rules_state.hpp"
#include "core/run/cutover_effects.hpp"
#include "core/scenario/scenario.hpp"
#include "reports/report.hpp"
#include "simulator/model/sim_log.hpp"
#include "simulator/model/sim_options.hpp"
#include "simulator/model/sim_traffic.hpp"
#include "simulator/model/sim_vrrp.hpp"

namespace wsfo::model {

namespace sg4 = simgrid::s4u;

// An event this close to the clock is due: double seconds ↔ integer nanoseconds rounding.
constexpr std::int64_t kClockToleranceNs = 1000;

enum class ClientState : std::uint8_t { idle, connecting, connected };

// Every client as a few dozen bytes in parallel arrays (struct of arrays).
struct ClientTable {
  std::vector<std::uint64_t> router_id;
  std::vector<std::uint32_t> slot;
  std::vector<std::uint16_t> group;
  std::vector<ClientState> state;
  std::vector<std::uint8_t> hops;        // redirects followed in the current attempt
  std::vector<std::uint8_t> registered;  // a gateway counts this client as one of its connections
  std::vector<std::uint16_t> node;       // gateway of the connection or of the pending hop
  std::vector<std::uint16_t> via;        // 1 + the gateway that proxies it across units (0: none)
  std::vector<std::uint16_t> backend;
  std::vector<std::uint16_t> url;    // the current hop's url (World::urls)
  std::vector<std::uint16_t> vip;    // 1 + the VIP the current hop dialed (World::vips); 0: a node directly
  std::vector<std::uint32_t> token;  // changes at every hop and close: stale answers are ignored
  std::vector<std::uint32_t> attempts;
  std::vector<std::uint32_t> failures;  // consecutive, for the reconnect policy
  std::vector<std::int64_t> since_ns;   // hop start while connecting, connect time while connected
  std::vector<std::uint64_t> stream;    // the live client's random stream (core/clients/client_stream.hpp)

  std::size_t size() const { return router_id.size(); }
  void resize(std::size_t n);
};

enum class EventType : std::uint8_t { start, result, timeout, close };
// unanswered: closed before any answer (the gateway's cap on handshakes in progress).
enum class Outcome : std::uint8_t { upgraded, redirect, reject, refused, reset, unanswered };

// One entry of a region's priority queue.
struct SimEvent {
  std::int64_t t_ns = 0;
  std::uint64_t seq = 0;  // ties in time keep their insertion order: determinism
  std::uint32_t client = 0;
  std::uint32_t token = 0;
  EventType type = EventType::start;
  Outcome outcome = Outcome::upgraded;  // result; close: connection_lost when `reset`
  std::uint16_t node = 0;
  std::uint16_t backend = 0;
  std::uint16_t status = 0;  // reject: HTTP status; close: close code
  std::uint32_t text = 0;    // reject: reason; close: reason; redirect: location url
  std::int64_t extra = -1;   // reject: Retry-After ns
  std::uint8_t cause = 0;    // close: a CloseCause the client decided on (a timeout); 0: from `outcome`
  bool handled = false;      // result, close: the client fleet's CPU (testbed) already got to it
};

struct LaterFirst {
  bool operator()(const SimEvent& a, const SimEvent& b) const {
    return a.t_ns != b.t_ns ? a.t_ns > b.t_ns : a.seq > b.seq;
  }
};

struct Request {
  std::uint32_t client = 0;
  std::uint32_t token = 0;
  std::int64_t sent_ns = 0;
};

struct Batch {  // handshakes from one region to one gateway, one SimGrid comm
  std::uint32_t epoch = 0;
  std::uint16_t region = 0;
  std::vector<Request> requests;
  std::uint16_t forwarded_by = 0;  // 1 + the gateway whose `proxy` correction sent them (0: the region did)
};

struct Region {  // one client group: its host and its clients' event queue
  std::size_t group = 0;
  std::size_t unit = 0;  // where its host sits
  sg4::Host* host = nullptr;
  sg4::MutexPtr mutex;
  sg4::ConditionVariablePtr wake;
  std::priority_queue<SimEvent, std::vector<SimEvent>, LaterFirst> queue;
  std::uint64_t next_seq = 0;
  std::int64_t planned_wake_ns = std::numeric_limits<std::int64_t>::max();
  std::vector<std::vector<Request>> outgoing;  // by node, flushed as one batch per node
  clients::ReconnectSpec reconnect;
  std::string url_text;  // the group's url, canonical
  std::uint16_t url = 0;
};

struct Route {
  std::vector<sg4::Link*> links;
  std::int64_t latency_ns = 0;
  bool up() const;
};

struct CapacitySeries {                // per gateway, one bucket per second of virtual time
  std::vector<std::uint64_t> arrived;  // handshakes reaching the gateway
  std::vector<std::uint64_t> handled;  // handshakes it spent CPU on
  std::vector<std::int64_t> busy_ns;   // CPU time spent
  std::uint64_t peak_connections = 0;
  std::uint64_t dropped_stale = 0;  // waited longer than the handshake timeout: dropped unanswered
  std::uint64_t closed_over_cap = 0;  // the oldest of more handshakes in progress than the cap: closed unread
  std::vector<std::uint64_t> messages;      // relayed (sim_traffic.cpp)
  std::vector<std::int64_t> delay_max_ns;   // relay queue delay, the longest of the second's steps
  std::vector<std::int64_t> delay_sum_ns;   // and their sum
  std::vector<std::int64_t> delay_steps;    // over this many steps
};

// Where a `proxy` correction may connect for one unit: a node, or a VIP and
// so whichever node holds it then.
struct UnitEntry {
  std::optional<std::uint16_t> node;
  std::optional<std::uint16_t> vip;
};

struct GatewaySim {
  std::string node;
  std::size_t unit = 0;
  std::string address;  // "ip:port" as clients dial it
  sg4::Host* host = nullptr;
  sg4::Mailbox* mailbox = nullptr;
  gateway::GatewayConfig config;
  std::optional<gateway::RulesState> rules;
  bool serving = true;
  std::uint32_t epoch = 0;  // bumps at every restart: batches sent before are dropped
  std::uint64_t connections = 0;
  std::uint64_t proxied_in_flight = 0;  // handshakes handed to another unit's gateway, not yet answered
  // The live gateway's backend choice (routes, balance, down marks); a
  // restart starts with a fresh one, as a new process does.
  std::optional<gateway::BackendPool> pool;
  std::vector<std::vector<std::uint16_t>> route_backends;  // per route, in its backends' order: backend indices
  // The `proxy` correction's choice among another unit's gateways, as the
  // live node's unit_gateways; entries in the same order.
  std::map<std::string, gateway::BackendGroup> unit_gateways;
  std::map<std::string, std::vector<UnitEntry>> unit_entries;
  CapacitySeries capacity;
};

struct BackendSim {
  std::string name;
  std::size_t unit = 0;
  sg4::Host* host = nullptr;
  std::string address;  // where gateway configs list it
  std::uint16_t port = 0;
};

struct HopTarget {  // where a url's host leads: the nodes a client may dial, or the VIPs
  std::vector<std::uint16_t> nodes;
  std::vector<std::uint16_t> vips;  // World::vips indices: the node holding the one dialed answers
  clients::WsUrl url;
};

class World {
 public:
  World(const scenario::Scenario& scenario, const SimOptions& options);

  // Builds the platform and the actors; returns an error for a scenario the
  // model cannot play.
  std::string prepare();
  void run();

  // ---- shared by the actors (single-threaded: SimGrid runs one actor at a time)
  static std::int64_t now_ns();
  void push(Region& region, SimEvent event);
  void push_close(std::uint32_t client, std::uint16_t code, const std::string& reason, bool lost);
  // The connection is lost for the client at `t_ns`, without a close frame;
  // `cause` when the client decided it (a heartbeat timeout), else 0.
  void push_lost_at(std::uint32_t client, std::int64_t t_ns, const std::string& reason, std::uint8_t cause = 0);
  // The client's connection is gone: its gateways (and the one proxying it) count it no more.
  void unregister(std::uint32_t client);
  // The gateway the client's TCP connection ends at: the proxying one, if any.
  std::uint16_t entry_node(std::uint32_t client) const;
  // A gateway restarts as a new process: fresh backend and unit-gateway choice.
  void reset_choices(std::size_t gateway);
  // Closes the gateway's connections in each range with 4001 and its reason.
  std::size_t close_connections(std::size_t gateway, const std::vector<run::MovedClose>& closes);
  void drop_gateway_connections(std::size_t gateway);
  void kill_gateway(std::size_t gateway);
  // A dead host (sim_power_off.cpp): dead for VRRP as for a kill, but its
  // clients hear nothing: a VIP's are reset at their first ping after a peer
  // takes the VIP over, an own address's end at their heartbeat timeout.
  void power_off_gateway(std::size_t gateway);
  void start_gateway_actor(std::size_t gateway);
  void record(LogRecord record) { log_.push_back(record); }
  void record_agent_event(history::Event event);

  // ---- VRRP (sim_vrrp.hpp): a VIP's address has at most one holder
  std::vector<VipSim>& vips() { return vips_; }
  std::size_t vip_index(const std::string& endpoint) const;
  NodeVrrpSim* vrrp_node(std::size_t gateway) { return vrrp_[gateway].get(); }
  void start_vrrp_actor(std::size_t gateway);
  // Binds the VIP for the gateway; false while another node holds it.
  bool take_vip(std::size_t vip, std::size_t gateway);
  // Unbinds it; the connections the gateway accepted on it go silent, and
  // each client with heartbeats is reset at its next ping.
  void release_vip(std::size_t vip, std::size_t gateway);

  const scenario::Scenario& scenario() const { return scenario_; }
  const SimOptions& options() const { return options_; }
  ClientTable& clients() { return clients_; }
  std::vector<GatewaySim>& gateways() { return gateways_; }
  std::vector<BackendSim>& backends() { return backends_; }
  std::vector<Region>& regions() { return regions_; }
  const Route& route(const sg4::Host* a, const sg4::Host* b);
  StringTable& urls() { return urls_; }
  StringTable& texts() { return texts_; }
  const HopTarget& hop_target(std::uint16_t url);
  sg4::Host* orchestrator() const { return orchestrator_; }
  std::int64_t end_ns() const { return end_ns_; }
  bool finished() const { return finished_; }
  void finish();
  reports::RunRecord& record_base() { return record_; }
  const std::vector<LogRecord>& log() const { return log_; }
  const std::vector<history::Event>& agent_events() const { return agent_events_; }
  TrafficModel& traffic() { return *traffic_; }
  sg4::Link* uplink(const sg4::Host* host) const { return host_uplink_.at(host); }
  LogNames log_names() const;
  std::size_t gateway_index(const std::string& node) const;
  std::uint16_t first_node_of(std::size_t unit) const;
  std::size_t backend_index(const std::string& name) const;
  // Timeline reloads (backend-add, backend-remove): with `reloaded` the
  // scenario as the reloads changed it, each gateway of the unit re-reads its
  // config (new backend choice, connections and rules kept). "" or why not.
  std::string reload_unit(const scenario::Scenario& reloaded, const std::string& unit);
  // The client's next draw from its stream, as the live client takes it.
  std::uint64_t draw(std::uint32_t client);
  // The client used `count` draws the model has no other use for (frame masks).
  void skip_draws(std::uint32_t client, std::uint32_t count);

 private:
  std::string build_platform();
  std::string build_gateways();
  std::string build_vrrp();
  void cut_connections(std::size_t gateway, const std::function<bool(std::uint32_t client)>& through,
                       const std::string& reason);
  void reset_handshake(std::uint32_t client);
  void orphan(std::uint32_t client);
  void release_powered_off_orphans(std::size_t vip);
  void time_out_silently(std::uint32_t client);
  std::string configure_gateway(std::size_t gateway);
  void build_clients();

  const scenario::Scenario& scenario_;
  scenario::Scenario current_;  // scenario_ with the timeline's reloads applied so far
  SimOptions options_;
  std::unique_ptr<sg4::Engine> engine_;
  ClientTable clients_;
  std::vector<Region> regions_;
  std::vector<GatewaySim> gateways_;
  std::vector<BackendSim> backends_;
  sg4::Host* orchestrator_ = nullptr;
  std::vector<sg4::Link*> pair_links_;
  std::map<std::pair<const sg4::Host*, const sg4::Host*>, Route> routes_;
  std::vector<std::vector<sg4::Link*>> unit_wan_;  // [a][b]
  std::vector<sg4::Link*> uplinks_;
  std::unordered_map<const sg4::Host*, std::size_t> host_unit_;
  std::unordered_map<const sg4::Host*, sg4::Link*> host_uplink_;
  std::unordered_map<std::uint16_t, HopTarget> hop_targets_;
  StringTable urls_;
  StringTable texts_;
  std::vector<LogRecord> log_;
  std::vector<history::Event> agent_events_;
  std::vector<VipSim> vips_;
  std::vector<std::vector<std::uint32_t>> powered_off_orphans_;  // by VIP: clients awaiting its new holder
  std::vector<std::unique_ptr<NodeVrrpSim>> vrrp_;  // by gateway; null for a node no VIP lists
  reports::RunRecord record_;
  std::unique_ptr<TrafficModel> traffic_;
  std::int64_t end_ns_ = 0;
  bool finished_ = false;
};

// The actors.
void region_actor(World& world, std::size_t region);
void gateway_actor(World& world, std::size_t gateway);
void timeline_actor(World& world);

}  // namespace wsfo::model
