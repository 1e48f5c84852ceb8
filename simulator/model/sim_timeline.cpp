// The timeline (nemesis) actor: plays the scenario's events at their virtual
// times. A cutover runs core/cutover's workflow through SimGatewayAdmin, whose
// admin calls cost a round trip on the platform and fail when the gateway's
// host is off or its link is cut; a kill is Host::turn_off, a partition is
// Link::turn_off.
#include <map>

#include "core/cutover/cutover_workflow.hpp"
#include "simulator/model/sim_world.hpp"

namespace wsfo::model {

namespace {

constexpr auto kAdminTimeout = std::chrono::seconds(3);  // the live runner's HTTP admin timeout

class SimGatewayAdmin : public cutover::GatewayAdmin {
 public:
  explicit SimGatewayAdmin(World& world) : w_(world) {}

  cutover::GatewayStatus status(const cutover::GatewayRef& ref) override {
    cutover::GatewayStatus s;
    std::size_t g = w_.gateway_index(ref.node);
    if (auto error = call(g); !error.empty()) {
      s.error = error;
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
    if (auto error = call(g); !error.empty()) {
      reply.reply = {false, 0, error};
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
    if (auto error = call(g); !error.empty()) return {false, 0, error};
    GatewaySim& gw = w_.gateways()[g];
    gateway::StepResult step = gw.rules->prepare(rules);
    if (step.ok() && !step.repeated) w_.close_connections(g, gw.rules->pending()->diff.moved(), rules.version(), false);
    return {step.ok(), step.status, step.message};
  }

  cutover::AdminReply commit(const cutover::GatewayRef& ref, std::uint64_t version) override {
    std::size_t g = w_.gateway_index(ref.node);
    if (auto error = call(g); !error.empty()) return {false, 0, error};
    GatewaySim& gw = w_.gateways()[g];
    routing::RuleSet before = gw.rules->active();
    gateway::StepResult step = gw.rules->commit(version);
    if (step.ok() && !step.repeated) baselines_.insert_or_assign(g, std::move(before));
    return {step.ok(), step.status, step.message};
  }

  cutover::AdminReply abort(const cutover::GatewayRef& ref, std::uint64_t version) override {
    std::size_t g = w_.gateway_index(ref.node);
    if (auto error = call(g); !error.empty()) return {false, 0, error};
    GatewaySim& gw = w_.gateways()[g];
    auto baseline = baselines_.find(g);
    if (!gw.rules->pending() && gw.rules->active().version() == version && baseline != baselines_.end()) {
      // A committed version taken back: the slots that move back are closed.
      routing::RuleDiff revert(gw.rules->active(), baseline->second);
      w_.close_connections(g, revert.moved(), version, true);
      gw.rules.emplace(baseline->second);
      baselines_.erase(baseline);
      return {true, 200, "reverted v" + std::to_string(version)};
    }
    gateway::StepResult step = gw.rules->abort(version);
    return {step.ok(), step.status, step.message};
  }

  void sleep(cutover::Duration duration) override {
    sg4::this_actor::sleep_for(std::chrono::duration<double>(duration).count());
  }
  cutover::Duration now() override { return cutover::Duration(World::now_ns()); }

 private:
  // One admin HTTP exchange: a round trip, or an error after the timeout.
  std::string call(std::size_t g) {
    if (g >= w_.gateways().size()) return "unknown gateway";
    GatewaySim& gw = w_.gateways()[g];
    const Route& route = w_.route(w_.orchestrator(), gw.host);
    if (!route.up()) {
      sleep(kAdminTimeout);
      return "timeout after " + json::format_duration(kAdminTimeout);
    }
    sleep(cutover::Duration(2 * route.latency_ns));
    if (!gw.host->is_on()) return "connection refused";
    return {};
  }

  World& w_;
  std::map<std::size_t, routing::RuleSet> baselines_;
};

class Nemesis {
 public:
  explicit Nemesis(World& world) : w_(world) {}

  std::string perform(std::size_t index, const scenario::Cutover& c) {
    std::vector<cutover::GatewayRef> refs;
    for (const auto& gw : w_.gateways()) refs.push_back({gw.node, w_.scenario().units[gw.unit].name, gw.node});
    cutover::Options options;
    options.fence = c.fence;
    options.catch_up = c.catch_up;
    options.skew = c.skew;
    SimGatewayAdmin admin(w_);
    cutover::CutoverWorkflow workflow(refs, w_.active_rules(), c.rules, options, admin);
    cutover::CutoverResult result = workflow.execute();
    if (result.outcome == cutover::Outcome::committed) w_.active_rules() = c.rules;
    w_.record_base().windows.back().cutover_outcome = std::string(cutover::to_string(result.outcome));
    w_.record_base().cutovers[index] = std::move(result);
    return {};
  }
  std::string perform(std::size_t, const scenario::KillNode& k) {
    std::size_t g = w_.gateway_index(k.node);
    if (g >= w_.gateways().size()) return "unknown node " + k.node;
    if (w_.gateways()[g].host->is_on()) w_.kill_gateway(g);
    return {};
  }
  std::string perform(std::size_t, const scenario::RestoreNode& r) {
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
  std::string perform(std::size_t, const scenario::StopGateway& s) { return set_serving(s.node, false); }
  std::string perform(std::size_t, const scenario::StartGateway& s) { return set_serving(s.node, true); }
  std::string perform(std::size_t, const scenario::BackendKill& b) {
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
  std::string perform(std::size_t, const scenario::BackendRestore& b) {
    std::size_t index = w_.backend_index(b.backend);
    if (index >= w_.backends().size()) return "unknown backend " + b.backend;
    w_.backends()[index].host->turn_on();
    return {};
  }
  std::string perform(std::size_t, const scenario::Partition& p) { return set_pair(p.a, p.b, false); }
  std::string perform(std::size_t, const scenario::Heal& h) { return set_pair(h.a, h.b, true); }
  std::string perform(std::size_t, const scenario::ClientsAdd& add) {
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
  std::string perform(std::size_t, const scenario::BackendAdd& add) { return w_.add_backend(add); }
  std::string perform(std::size_t, const scenario::BackendRemove& remove) { return w_.remove_backend(remove); }
  std::string perform(std::size_t, const scenario::Wait&) { return {}; }
  template <class Other>
  std::string perform(std::size_t, const Other&) {
    return "not modelled by the simulator";  // refused up front by World::prepare
  }

 private:
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
};

}  // namespace

void timeline_actor(World& world) {
  Nemesis nemesis(world);
  const auto& timeline = world.scenario().timeline;
  auto& record = world.record_base();
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    const auto& event = timeline[i];
    sg4::this_actor::sleep_until(std::chrono::duration<double>(event.at).count());
    std::int64_t at = World::now_ns();
    std::string name = scenario::action_name(event.action);
    record.windows.push_back({i, name, at, 0, event.expect});
    LogRecord r;
    r.t_ns = at;
    r.client = static_cast<std::uint32_t>(i);
    r.kind = LogKind::action;
    world.record(r);
    std::string error = std::visit([&](const auto& action) { return nemesis.perform(i, action); }, event.action);
    if (!error.empty()) {
      record.notes.push_back("#" + std::to_string(i) + " " + name + ": " + error);
      record.windows.back().action_error = error;
    }
    if (event.expect.same_version || std::holds_alternative<scenario::Cutover>(event.action))
      for (const auto& gw : world.gateways())  // what each gateway's admin API would answer now
        record.windows.back().versions_after[gw.node] =
            gw.host->is_on() ? std::optional(gw.rules->active().version()) : std::nullopt;
  }
  sg4::this_actor::sleep_until(static_cast<double>(world.end_ns()) / 1e9);
  world.finish();
}

}  // namespace wsfo::model
