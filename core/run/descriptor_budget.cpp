#include "core/run/descriptor_budget.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/json/json_reader.hpp"
#include "core/scenario/client_population.hpp"

namespace wsfo::run {

// Named, not anonymous: the unity build puts this file beside others of run/.
namespace descriptor_budget_detail {

using namespace scenario;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// What the timeline has done so far.
struct World {
  Scenario scenario;  // as reloads changed it
  routing::RuleSet rules;
  std::set<std::string> down_nodes, returned_nodes;  // returned: live again after being down
  std::set<std::string> down_backends, returned_backends;
  std::vector<bool> active;  // per client group: connected
};

// The upper bound of how many of `clients` reach a place that gets each with probability `p`.
std::size_t spread_bound(std::uint64_t clients, double p) {
  if (clients == 0 || p <= 0) return 0;
  if (p >= 1) return clients;
  const double mean = static_cast<double>(clients) * p;
  const double bound = std::ceil(mean + kSpreadMarginSd * std::sqrt(mean * (1 - p)));
  return static_cast<std::size_t>(std::min(bound, static_cast<double>(clients)));
}

// Whether `node` is in the live set that `viewer` is counted with: live, and
// either `viewer` itself or never down so far.
bool counts(const World& world, const std::string& node, const std::string& viewer) {
  if (world.down_nodes.count(node) != 0) return false;
  return node == viewer || world.returned_nodes.count(node) == 0;
}

bool backend_counts(const World& world, const std::string& backend, const std::string& viewer) {
  if (world.down_backends.count(backend) != 0) return false;
  return backend == viewer || world.returned_backends.count(backend) == 0;
}

struct Entries {  // where one attempt lands: a unit's VIPs or nodes, or one of them
  std::string unit;
  std::vector<const Node*> nodes;
  std::vector<const Vip*> vips;
};

Entries unit_entries(const Unit& unit) {
  Entries entries{unit.name, {}, {}};
  for (const Vip& vip : unit.vips) entries.vips.push_back(&vip);
  if (entries.vips.empty())
    for (const Node& node : unit.nodes) entries.nodes.push_back(&node);
  return entries;
}

// The entry points of a client URL's host (validated: the domain, a unit's subdomain, a node or a VIP).
Entries host_entries(const Scenario& scenario, const std::string& host) {
  if (host == scenario.domain.name) return unit_entries(*scenario.find_unit(scenario.domain.cname));
  for (const Unit& unit : scenario.units) {
    if (unit.subdomain == host) return unit_entries(unit);
    for (const Node& node : unit.nodes)
      if (node.address == host) return {unit.name, {&node}, {}};
    for (const Vip& vip : unit.vips)
      if (vip.address == host) return {unit.name, {}, {&vip}};
  }
  return {};
}

std::string holder(const World& world, const Vip& vip, const std::string& viewer) {
  for (const VipPriority& p : vip.priorities)
    if (counts(world, p.node, viewer)) return p.node;
  return {};
}

// The share of the live entry points `viewer` holds.
double entry_share(const World& world, const Entries& entries, const std::string& viewer) {
  std::size_t live = 0, held = 0;
  for (const Node* node : entries.nodes)
    if (counts(world, node->name, viewer)) ++live, held += node->name == viewer;
  for (const Vip* vip : entries.vips)
    if (std::string h = holder(world, *vip, viewer); !h.empty()) ++live, held += h == viewer;
  return live == 0 ? 0.0 : static_cast<double>(held) / static_cast<double>(live);
}

// A proxied client reaches its unit's live nodes in turn.
double far_share(const World& world, const Unit& unit, const std::string& viewer) {
  std::size_t live = 0, held = 0;
  for (const Node& node : unit.nodes)
    if (counts(world, node.name, viewer)) ++live, held += node.name == viewer;
  return live == 0 ? 0.0 : static_cast<double>(held) / static_cast<double>(live);
}

const Route* route_for(const Unit& unit, const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  const Route* best = nullptr;
  for (const Route& route : unit.routes)
    if (path.compare(0, route.prefix.size(), route.prefix) == 0 && (!best || route.prefix.size() > best->prefix.size()))
      best = &route;
  return best;
}

// Clients of each active group per unit that owns them under the rules in force.
std::vector<std::map<std::string, std::uint64_t>> owners(const World& world,
                                                         const std::vector<std::vector<std::uint64_t>>& ids) {
  std::vector<std::map<std::string, std::uint64_t>> out(ids.size());
  for (std::size_t g = 0; g < ids.size(); ++g)
    if (world.active[g])
      for (std::uint64_t id : ids[g]) ++out[g][world.rules.unit_of(id)];
  return out;
}

std::size_t gateway_reserve(const Scenario& scenario, const Node& node) {
  std::size_t vips = 0;
  for (const Unit& unit : scenario.units)
    for (const Vip& vip : unit.vips)
      for (const VipPriority& p : vip.priorities) vips += p.node == node.name;
  return kGatewayDescriptorReserve + 2 + vips;  // + its listener, its admin listener, one per VIP
}

DescriptorNeed gateway_need(const World& world, const Unit& unit, const Node& node,
                            const std::vector<std::map<std::string, std::uint64_t>>& owned) {
  const Scenario& s = world.scenario;
  DescriptorNeed need{DescriptorNeed::Kind::gateway, node.name, unit.name, {}, 0, 0, gateway_reserve(s, node), s.tls};
  need.tls_to_backends = s.tls_to_backends;
  if (world.down_nodes.count(node.name) != 0) return need;
  for (std::size_t g = 0; g < s.clients.size(); ++g) {
    // A browser group may be corrected otherwise (an Origin header: gateway.browser_correction).
    const bool browser = s.clients[g].browser && s.gateway.browser_correction;
    const bool proxy = (browser ? *s.gateway.browser_correction : s.gateway.correction) == Correction::proxy;
    const Entries landing = host_entries(s, s.clients[g].url.host);
    for (const auto& [owner, clients] : owned[g]) {
      const Unit& own = *s.find_unit(owner);
      if (owner == landing.unit) {
        need.connections += spread_bound(clients, entry_share(world, landing, node.name));
      } else if (proxy) {
        need.connections += spread_bound(clients, entry_share(world, landing, node.name));
        need.proxied_in += spread_bound(clients, far_share(world, own, node.name));
      } else {
        need.connections += spread_bound(clients, entry_share(world, unit_entries(own), node.name));
      }
    }
  }
  return need;
}

DescriptorNeed backend_need(const World& world, const Unit& unit, const Backend& backend,
                            const std::vector<std::map<std::string, std::uint64_t>>& owned) {
  const Scenario& s = world.scenario;
  DescriptorNeed need{DescriptorNeed::Kind::backend, backend.name, unit.name, {}, 0, 0, kBackendDescriptorReserve};
  if (world.down_backends.count(backend.name) != 0) return need;
  for (std::size_t g = 0; g < s.clients.size(); ++g) {
    auto it = owned[g].find(unit.name);
    const Route* route = route_for(unit, s.clients[g].url.target);
    if (it == owned[g].end() || !route) continue;
    std::size_t live = 0;
    bool serves = false;
    for (const std::string& name : route->backends)
      if (backend_counts(world, name, backend.name)) ++live, serves = serves || name == backend.name;
    if (serves) need.connections += spread_bound(it->second, 1.0 / static_cast<double>(live));
  }
  return need;
}

std::string action_target(const Action& action) {
  return std::visit(Overloaded{
                        [](const Cutover& c) { return "to rules v" + std::to_string(c.rules.version()); },
                        [](const KillNode& a) { return a.node; },
                        [](const PowerOff& a) { return a.node; },
                        [](const StopGateway& a) { return a.node; },
                        [](const StartGateway& a) { return a.node; },
                        [](const RestoreNode& a) { return a.node; },
                        [](const BackendKill& a) { return a.backend; },
                        [](const BackendRestore& a) { return a.backend; },
                        [](const BackendAdd& a) { return a.backend.name; },
                        [](const BackendRemove& a) { return a.backend; },
                        [](const Partition& a) { return a.a + " " + a.b; },
                        [](const Heal& a) { return a.a + " " + a.b; },
                        [](const ClientsAdd& a) { return a.group; },
                        [](const AdminUnreachable& a) { return a.node; },
                        [](const AdminSlow& a) { return a.node; },
                        [](const AdminRestore& a) { return a.node; },
                        [](const Wait&) { return std::string(); },
                    },
                    action);
}

void node_down(World& world, const std::string& node) { world.down_nodes.insert(node); }
void node_back(World& world, const std::string& node) {
  if (world.down_nodes.erase(node) != 0) world.returned_nodes.insert(node);
}

void apply(World& world, const Action& action) {
  std::visit(Overloaded{
                 [&](const Cutover& c) { world.rules = c.rules; },
                 [&](const KillNode& a) { node_down(world, a.node); },
                 [&](const PowerOff& a) { node_down(world, a.node); },
                 [&](const StopGateway& a) { node_down(world, a.node); },
                 [&](const StartGateway& a) { node_back(world, a.node); },
                 [&](const RestoreNode& a) { node_back(world, a.node); },
                 [&](const BackendKill& a) { world.down_backends.insert(a.backend); },
                 [&](const BackendRestore& a) {
                   if (world.down_backends.erase(a.backend) != 0) world.returned_backends.insert(a.backend);
                 },
                 [&](const BackendAdd& a) {
                   apply_reload(world.scenario, a);
                   world.returned_backends.insert(a.backend.name);
                 },
                 [&](const BackendRemove& a) { apply_reload(world.scenario, a); },
                 [](const Partition&) {},
                 [](const Heal&) {},
                 [&](const ClientsAdd& a) {
                   for (std::size_t g = 0; g < world.scenario.clients.size(); ++g)
                     if (world.scenario.clients[g].name == a.group) world.active[g] = true;
                 },
                 [](const AdminUnreachable&) {},  // the admin API only: the gateway keeps serving
                 [](const AdminSlow&) {},
                 [](const AdminRestore&) {},
                 [](const Wait&) {},
             },
             action);
}

}  // namespace descriptor_budget_detail

std::size_t DescriptorNeed::needed() const {
  if (kind == Kind::backend) return connections + reserve;
  const std::size_t upstream_pipe = tls_to_backends ? 2 : 0;
  return ((tls ? 4 : 2) + upstream_pipe) * connections + (2 + upstream_pipe) * proxied_in + reserve;
}

const DescriptorNeed* DescriptorBudget::worst(DescriptorNeed::Kind kind) const {
  const DescriptorNeed* best = nullptr;
  for (const DescriptorNeed& need : peaks)
    if (need.kind == kind && (!best || need.needed() > best->needed())) best = &need;
  return best;
}

DescriptorBudget descriptor_budget(const scenario::Scenario& scenario, std::size_t limit) {
  using namespace scenario;
  DescriptorBudget budget;
  budget.limit = limit;
  descriptor_budget_detail::World world{scenario, scenario.rules, {}, {}, {}, {}, {}};
  std::vector<std::vector<std::uint64_t>> ids;
  for (const ClientGroup& group : scenario.clients) {
    ids.push_back(expand_router_ids(group.router_ids));
    world.active.push_back(group.connect_at_start);
  }
  std::map<std::string, std::size_t> peak_of;  // process key → index in budget.peaks
  auto note = [&](DescriptorNeed need, const std::string& moment) {
    need.moment = moment;
    const std::string key = (need.kind == DescriptorNeed::Kind::gateway ? "g:" : "b:") + need.process;
    auto [it, added] = peak_of.emplace(key, budget.peaks.size());
    if (added)
      budget.peaks.push_back(need);
    else if (need.needed() > budget.peaks[it->second].needed())
      budget.peaks[it->second] = need;
    if (need.needed() > limit && (!budget.over || need.needed() > budget.over->needed())) budget.over = need;
  };
  auto measure = [&](const std::string& moment) {
    auto owned = descriptor_budget_detail::owners(world, ids);
    for (const Unit& unit : world.scenario.units) {
      for (const Node& node : unit.nodes)
        note(descriptor_budget_detail::gateway_need(world, unit, node, owned), moment);
      for (const Backend& backend : unit.backends)
        note(descriptor_budget_detail::backend_need(world, unit, backend, owned), moment);
    }
  };
  measure("at the start");
  for (std::size_t i = 0; i < scenario.timeline.size(); ++i) {
    const TimelineEvent& event = scenario.timeline[i];
    descriptor_budget_detail::apply(world, event.action);
    std::string target = descriptor_budget_detail::action_target(event.action);
    measure("after timeline[" + std::to_string(i) + "] (" + action_name(event.action) +
            (target.empty() ? "" : " " + target) + ") at " + json::format_duration(event.at));
  }
  return budget;
}

namespace {

// A gateway's need in terms: what each relayed and proxied-in connection holds.
std::string gateway_terms(const DescriptorNeed& need) {
  const std::string relayed = std::to_string(need.connections), proxied = std::to_string(need.proxied_in);
  if (need.tls_to_backends)
    return "6 x " + relayed + " relayed over TLS both ways + 4 x " + proxied + " proxied in from other units";
  if (need.tls) return "4 x " + relayed + " relayed over TLS + 2 x " + proxied + " proxied in from other units";
  return "2 x (" + relayed + " relayed + " + proxied + " proxied in from other units)";
}

}  // namespace

std::string describe(const DescriptorNeed& need) {
  if (need.kind == DescriptorNeed::Kind::backend)
    return "backend " + need.process + " (unit " + need.unit + ") needs " + std::to_string(need.needed()) +
           " descriptors " + need.moment + ": " + std::to_string(need.connections) + " connections + " +
           std::to_string(need.reserve) + " reserved";
  return "gateway " + need.process + " (unit " + need.unit + ") needs " + std::to_string(need.needed()) +
         " descriptors " + need.moment + ": " + gateway_terms(need) + " + " + std::to_string(need.reserve) +
         " reserved";
}

std::string refusal(const DescriptorBudget& budget) {
  if (!budget.over) return {};
  const bool gateway = budget.over->kind == DescriptorNeed::Kind::gateway;
  return describe(*budget.over) + ", but a process may open " + std::to_string(budget.limit) + " (ulimit -n); " +
         (gateway ? "add nodes or VIPs to unit " + budget.over->unit
                  : "add backends to unit " + budget.over->unit + "'s route") +
         ", or raise the limit";
}

}  // namespace wsfo::run
