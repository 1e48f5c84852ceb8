#include "core/scenario/scenario.hpp"

#include <algorithm>

namespace wsfo::scenario {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// Spelled out for clang before 17, which does not deduce an aggregate's arguments.
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

template <class Item>
const Item* find_named(const std::vector<Item>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const Item& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

std::uint64_t count_of(const RouterIdSpec& spec) {
  return std::visit(Overloaded{
                        [](const RouterIdList& list) -> std::uint64_t { return list.ids.size(); },
                        [](const RouterIdRange& range) -> std::uint64_t { return range.to - range.from + 1; },
                        [](const RouterIdRandom& random) -> std::uint64_t { return random.count; },
                    },
                    spec);
}

std::string action_name(const Action& action) {
  return std::visit(Overloaded{
                        [](const Cutover&) { return "cutover"; },
                        [](const KillNode&) { return "kill"; },
                        [](const PowerOff&) { return "power-off"; },
                        [](const StopGateway&) { return "stop-gateway"; },
                        [](const StartGateway&) { return "start-gateway"; },
                        [](const RestoreNode&) { return "restore"; },
                        [](const BackendKill&) { return "backend-kill"; },
                        [](const BackendRestore&) { return "backend-restore"; },
                        [](const BackendAdd&) { return "backend-add"; },
                        [](const BackendRemove&) { return "backend-remove"; },
                        [](const Partition&) { return "partition"; },
                        [](const Heal&) { return "heal"; },
                        [](const ClientsAdd&) { return "clients-add"; },
                        [](const AdminUnreachable&) { return "admin-unreachable"; },
                        [](const AdminSlow&) { return "admin-slow"; },
                        [](const AdminRestore&) { return "admin-restore"; },
                        [](const Wait&) { return "wait"; },
                    },
                    action);
}

std::string stack_kind_name(StackKind kind) {
  switch (kind) {
    case StackKind::wsfo:
      return "wsfo";
    case StackKind::nginx_keepalived:
      return "nginx-keepalived";
  }
  return "unknown";
}

std::vector<std::string> stack_kind_names() {
  return {stack_kind_name(StackKind::wsfo), stack_kind_name(StackKind::nginx_keepalived)};
}

std::optional<StackKind> parse_stack_kind(const std::string& name) {
  for (StackKind kind : {StackKind::wsfo, StackKind::nginx_keepalived})
    if (stack_kind_name(kind) == name) return kind;
  return std::nullopt;
}

const Unit* Scenario::find_unit(const std::string& name) const { return find_named(units, name); }

const Unit* Scenario::unit_of_node(const std::string& node) const {
  for (const Unit& unit : units)
    if (find_named(unit.nodes, node)) return &unit;
  return nullptr;
}

const Node* Scenario::find_node(const std::string& name) const {
  for (const Unit& unit : units)
    if (const Node* node = find_named(unit.nodes, name)) return node;
  return nullptr;
}

const Backend* Scenario::find_backend(const std::string& name) const {
  for (const Unit& unit : units)
    if (const Backend* backend = find_named(unit.backends, name)) return backend;
  return nullptr;
}

const Vip* Scenario::find_vip(const std::string& name) const {
  for (const Unit& unit : units)
    if (const Vip* vip = find_named(unit.vips, name)) return vip;
  return nullptr;
}

const ClientGroup* Scenario::find_group(const std::string& name) const { return find_named(clients, name); }

std::vector<std::string> Scenario::unit_names() const {
  std::vector<std::string> names;
  for (const Unit& unit : units) names.push_back(unit.name);
  return names;
}

namespace {

Unit* unit_to_reload(Scenario& scenario, const std::string& name) {
  for (Unit& unit : scenario.units)
    if (unit.name == name) return &unit;
  return nullptr;
}

}  // namespace

std::string apply_reload(Scenario& scenario, const BackendAdd& add) {
  Unit* unit = unit_to_reload(scenario, add.unit);
  if (!unit) return "unknown unit " + add.unit;
  unit->backends.push_back(add.backend);
  for (auto& route : unit->routes)
    if (!add.route || route.prefix == *add.route) route.backends.push_back(add.backend.name);
  return {};
}

std::string apply_reload(Scenario& scenario, const BackendRemove& remove) {
  Unit* unit = unit_to_reload(scenario, remove.unit);
  if (!unit) return "unknown unit " + remove.unit;
  for (auto& route : unit->routes)
    if (!remove.route || route.prefix == *remove.route) std::erase(route.backends, remove.backend);
  return {};
}

std::uint64_t Scenario::client_count() const {
  std::uint64_t total = 0;
  for (const ClientGroup& group : clients) total += count_of(group.router_ids);
  return total;
}

}  // namespace wsfo::scenario

namespace wsfo::scenario {

// docs/simulate.md, "The `simulation` block": a quiet 2-core machine's order
// of magnitude, for scenarios that were never calibrated.
Simulation default_simulation() {
  using std::chrono::microseconds;
  using std::chrono::milliseconds;
  Simulation sim;
  sim.within_unit = {microseconds(200), 10000};
  sim.between_units = {milliseconds(30), 1000};
  sim.handshake_cpu = microseconds(100);
  // The server side of a full TLS 1.3 handshake (ECDSA P-256 certificate,
  // X25519) with Debian 12's OpenSSL 3.0: docs/simulate.md says how it was measured.
  sim.tls_handshake_cpu = microseconds(450);
  sim.message_cpu = microseconds(5);
  sim.message_cpu_per_kib = std::chrono::nanoseconds(500);
  sim.backend_cpu = {microseconds(60), microseconds(2), microseconds(3)};
  return sim;
}

Simulation simulation_or_default(const std::optional<Simulation>& written) {
  return written ? *written : default_simulation();
}

}  // namespace wsfo::scenario
