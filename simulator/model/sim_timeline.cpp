// The timeline actor: core's TimelinePlayer plays the scenario's events at
// their virtual times through the model's Nemesis. A cutover runs through
// SimGatewayAdmin, whose admin calls cost a round trip on the platform and
// fail when the gateway's host is off or its link is cut; the timeline's
// admin API faults (unreachable: refused, slow: answered late) hold until
// admin-restore or the node's kill.
#include <algorithm>
#include <map>

#include "core/run/cutover_effects.hpp"
#include "core/run/timeline_player.hpp"
#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

namespace {

constexpr auto kAdminTimeout = cutover::kAdminCallTimeout;  // the live runner's HTTP admin timeout

struct AdminFault {
  bool unreachable = false;
  cutover::Duration delay{};
};
using AdminFaults = std::map<std::size_t, AdminFault>;  // by gateway index

class SimGatewayAdmin : public cutover::GatewayAdmin {
 public:
  SimGatewayAdmin(World& world, const AdminFaults& faults) : w_(world), faults_(faults) {}

  cutover::GatewayStatus status(const cutover::GatewayRef& ref) override {
    cutover::GatewayStatus s;
    std::size_t g = w_.gateway_index(ref.node);
    if (auto failure = call(g); failure.failed()) {
      s.error = failure.error;
      return s;
    }
    const GatewaySim& gw = w_.gateways()[g];
    s.reachable = true;
    s.version = gw.rules->active().version();
    s.serving = gw.serving;
    for (const auto& route : gw.route_backends)
      for (auto b : route) s.live_backends += w_.backends()[b].host->is_on() ? 1 : 0;
    s.connections = gw.connections;
    s.max_connections = gw.config.limits.max_connections;
    return s;
  }

  cutover::PreviewReply preview(const cutover::GatewayRef& ref, const routing::RuleSet& rules) override {
    cutover::PreviewReply reply;
    std::size_t g = w_.gateway_index(ref.node);
    if (auto failure = call(g); failure.failed()) {
      reply.reply = {false, 0, failure.error, failure.refused};
      return reply;
    }
    routing::RuleDiff diff(w_.gateways()[g].rules->active(), rules);
    reply.closes_per_moved_range.assign(diff.moved().size(), 0);
    auto& c = w_.clients();
    for (std::uint32_t i = 0; i < c.size(); ++i) {
      if (!c.registered[i] || (c.node[i] != g && w_.entry_node(i) != g)) continue;  // a proxying node has it too
      int index = diff.moved_index_of_slot(c.slot[i]);
      if (index >= 0) ++reply.closes_per_moved_range[static_cast<std::size_t>(index)];
    }
    reply.reply = {true, 200, "ok"};
    return reply;
  }

  cutover::AdminReply prepare(const cutover::GatewayRef& ref, const routing::RuleSet& rules) override {
    std::size_t g = w_.gateway_index(ref.node);
    if (auto failure = call(g); failure.failed()) return {false, 0, failure.error, failure.refused};
    GatewaySim& gw = w_.gateways()[g];
    gateway::StepResult step = gw.rules->prepare(rules);
    if (step.ok() && !step.repeated) w_.close_connections(g, run::closes_after_prepare(*gw.rules));
    return {step.ok(), step.status, step.message};
  }

  cutover::AdminReply commit(const cutover::GatewayRef& ref, std::uint64_t version) override {
    std::size_t g = w_.gateway_index(ref.node);
    if (auto failure = call(g); failure.failed()) return {false, 0, failure.error, failure.refused};
    gateway::StepResult step = w_.gateways()[g].rules->commit(version);
    return {step.ok(), step.status, step.message};
  }

  cutover::AdminReply abort(const cutover::GatewayRef& ref, std::uint64_t version) override {
    std::size_t g = w_.gateway_index(ref.node);
    if (auto failure = call(g); failure.failed()) return {false, 0, failure.error, failure.refused};
    gateway::StepResult step = w_.gateways()[g].rules->abort(version);
    if (step.ok() && step.reverted) w_.close_connections(g, run::closes_after_revert(*step.reverted));
    return {step.ok(), step.status, step.message};
  }

  void sleep(cutover::Duration duration) override {
    sg4::this_actor::sleep_for(std::chrono::duration<double>(duration).count());
  }
  cutover::Duration now() override { return cutover::Duration(World::now_ns()); }

 private:
  struct Failure {
    std::string error;
    bool refused = false;
    bool failed() const { return !error.empty(); }
  };

  // One admin HTTP exchange: a round trip (plus a slow admin API's delay),
  // or an error after the timeout, or a refusal.
  Failure call(std::size_t g) {
    if (g >= w_.gateways().size()) return {"unknown gateway"};
    GatewaySim& gw = w_.gateways()[g];
    const Route& route = w_.route(w_.orchestrator(), gw.host);
    if (!route.up()) {
      sleep(kAdminTimeout);
      return {"timeout after " + json::format_duration(kAdminTimeout)};
    }
    sleep(cutover::Duration(2 * route.latency_ns));
    auto fault = faults_.find(g);
    if (!gw.host->is_on() || (fault != faults_.end() && fault->second.unreachable)) return {"Connection refused", true};
    if (fault != faults_.end()) sleep(fault->second.delay);
    return {};
  }

  World& w_;
  const AdminFaults& faults_;
};

// The timeline's faults in the model: a kill is Host::turn_off, a partition
// is Link::turn_off, a reload re-reads the unit's gateway configs.
class ModelNemesis : public run::Nemesis {
 public:
  explicit ModelNemesis(World& world) : w_(world) {}

  const AdminFaults& admin_faults() const { return admin_faults_; }

  void action_started(std::size_t index, const std::string&, std::int64_t at_ns) override {
    LogRecord r;
    r.t_ns = at_ns;
    r.client = static_cast<std::uint32_t>(index);
    r.kind = LogKind::action;
    w_.record(r);
  }
  std::string kill_node(const scenario::KillNode& k) override {
    std::size_t g = w_.gateway_index(k.node);
    if (g >= w_.gateways().size()) return "unknown node " + k.node;
    if (w_.gateways()[g].host->is_on()) w_.kill_gateway(g);
    admin_faults_.erase(g);  // they end with the process
    return {};
  }
  // A dead host, as on the real stack: see World::power_off_gateway.
  std::string power_off(const scenario::PowerOff& off) override {
    std::size_t g = w_.gateway_index(off.node);
    if (g >= w_.gateways().size()) return "unknown node " + off.node;
    if (w_.gateways()[g].host->is_on()) w_.power_off_gateway(g);
    admin_faults_.erase(g);
    return {};
  }
  std::string restore_node(const scenario::RestoreNode& r) override {
    std::size_t g = w_.gateway_index(r.node);
    if (g >= w_.gateways().size()) return "unknown node " + r.node;
    GatewaySim& gw = w_.gateways()[g];
    if (gw.host->is_on()) return {};
    gw.host->turn_on();
    if (auto pending = gw.rules->pending()) gw.rules->abort(pending->rules.version());  // not persisted
    gw.serving = true;
    w_.reset_choices(g);  // a new process: no marks, round robin anew
    w_.start_gateway_actor(g);
    w_.start_vrrp_actor(g);  // its embedded agent starts afresh: Initialize
    return {};
  }
  std::string stop_gateway(const scenario::StopGateway& s) override { return set_serving(s.node, false); }
  std::string start_gateway(const scenario::StartGateway& s) override { return set_serving(s.node, true); }
  std::string kill_backend(const scenario::BackendKill& b) override {
    std::size_t index = w_.backend_index(b.backend);
    if (index >= w_.backends().size()) return "unknown backend " + b.backend;
    w_.backends()[index].host->turn_off();
    auto& c = w_.clients();
    for (std::uint32_t i = 0; i < c.size(); ++i) {
      if (!c.registered[i] || c.backend[i] != index) continue;
      w_.unregister(i);
      w_.push_close(i, 1011, "backend connection lost", false);
    }
    return {};
  }
  std::string restore_backend(const scenario::BackendRestore& b) override {
    std::size_t index = w_.backend_index(b.backend);
    if (index >= w_.backends().size()) return "unknown backend " + b.backend;
    w_.backends()[index].host->turn_on();
    return {};
  }
  std::string add_backend(const scenario::BackendAdd& add, const scenario::Scenario& reloaded) override {
    return w_.reload_unit(reloaded, add.unit);
  }
  std::string remove_backend(const scenario::BackendRemove& remove, const scenario::Scenario& reloaded) override {
    return w_.reload_unit(reloaded, remove.unit);
  }
  std::string partition(const scenario::Partition& p) override { return set_pair(p.a, p.b, false); }
  std::string heal(const scenario::Heal& h) override { return set_pair(h.a, h.b, true); }
  std::string add_clients(const scenario::ClientsAdd& add) override {
    for (std::size_t r = 0; r < w_.regions().size(); ++r) {
      if (w_.scenario().clients[r].name != add.group) continue;
      auto& c = w_.clients();
      for (std::uint32_t i = 0; i < c.size(); ++i) {
        if (c.group[i] != r) continue;
        SimEvent e;
        e.type = EventType::start;
        e.client = i;
        e.t_ns = World::now_ns();
        w_.push(w_.regions()[r], e);
      }
    }
    return {};
  }
  std::string admin_unreachable(const scenario::AdminUnreachable& a) override {
    return set_admin_fault(a.node, AdminFault{true, {}});
  }
  std::string admin_slow(const scenario::AdminSlow& a) override {
    return set_admin_fault(a.node, AdminFault{false, a.delay});
  }
  std::string admin_restore(const scenario::AdminRestore& a) override { return set_admin_fault(a.node, std::nullopt); }
  std::map<std::string, std::optional<std::uint64_t>> gateway_versions() override {
    std::map<std::string, std::optional<std::uint64_t>> versions;
    for (std::size_t g = 0; g < w_.gateways().size(); ++g) {
      const GatewaySim& gw = w_.gateways()[g];
      auto fault = admin_faults_.find(g);
      bool answers = gw.host->is_on() && (fault == admin_faults_.end() || !fault->second.unreachable);
      versions[gw.node] = answers ? std::optional(gw.rules->active().version()) : std::nullopt;
    }
    return versions;
  }

 private:
  std::string set_admin_fault(const std::string& node, std::optional<AdminFault> fault) {
    std::size_t g = w_.gateway_index(node);
    if (g >= w_.gateways().size()) return "unknown node " + node;
    if (fault)
      admin_faults_[g] = *fault;
    else
      admin_faults_.erase(g);
    return {};
  }

  std::string set_serving(const std::string& node, bool serving) {
    std::size_t g = w_.gateway_index(node);
    if (g >= w_.gateways().size()) return "unknown node " + node;
    GatewaySim& gw = w_.gateways()[g];
    if (gw.serving && !serving) w_.drop_gateway_connections(g);
    gw.serving = serving;
    return {};
  }

  // The link that only the two gateway hosts' route uses.
  std::string set_pair(const std::string& a, const std::string& b, bool on) {
    std::size_t ga = w_.gateway_index(a), gb = w_.gateway_index(b);
    if (ga >= w_.gateways().size() || gb >= w_.gateways().size()) return "unknown node " + a + " or " + b;
    const Route& route = w_.route(w_.gateways()[ga].host, w_.gateways()[gb].host);
    for (sg4::Link* link : route.links)
      if (link->get_name().rfind("pair:", 0) == 0) on ? link->turn_on() : link->turn_off();
    return {};
  }

  World& w_;
  AdminFaults admin_faults_;
};

// Virtual time; with a progress callback, the waits go in steps and report
// between them (the timeline actor only wakes: nothing else changes).
class VirtualClock : public run::RunClock {
 public:
  VirtualClock(World& world, const run::RunRecord& record) : w_(world), record_(record) {}

  std::int64_t now_ns() override { return World::now_ns(); }
  void sleep_until_ns(std::int64_t t_ns) override {
    const auto& options = w_.options();
    if (options.progress && options.progress_step.count() > 0)
      for (std::int64_t next = now_ns() + options.progress_step.count(); next < t_ns;
           next += options.progress_step.count()) {
        sleep_until(next);
        report();
      }
    sleep_until(t_ns);
  }

 private:
  static void sleep_until(std::int64_t t_ns) { sg4::this_actor::sleep_until(static_cast<double>(t_ns) / 1e9); }

  void report() const {
    SimProgress progress;
    progress.at_ns = World::now_ns() - record_.start_ns;
    progress.end_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(w_.scenario().duration).count();
    progress.clients = w_.clients().size();
    const ClientTable& clients = w_.clients();
    progress.connected = [&clients] {
      return static_cast<std::uint64_t>(std::count(clients.state.begin(), clients.state.end(), ClientState::connected));
    };
    if (!record_.windows.empty())
      progress.action = "#" + std::to_string(record_.windows.back().index) + " " + record_.windows.back().name;
    w_.options().progress(progress);
  }

  World& w_;
  const run::RunRecord& record_;
};

}  // namespace

void timeline_actor(World& world) {
  ModelNemesis nemesis(world);
  SimGatewayAdmin admin(world, nemesis.admin_faults());
  VirtualClock clock(world, world.record_base());
  std::vector<cutover::GatewayRef> refs;
  for (const auto& gw : world.gateways()) refs.push_back({gw.node, world.scenario().units[gw.unit].name, gw.node});
  run::TimelinePlayer player(world.scenario(), {nemesis, admin, clock, std::move(refs), {}});
  player.play(world.record_base());
  world.finish();
}

}  // namespace wsfo::model
