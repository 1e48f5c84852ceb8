// The "timeline" section: events in time order, each checked against the
// state the earlier events leave (a node is restored only after a kill or a
// power-off, a backend is removed only while present, ...).
#include <algorithm>
#include <map>
#include <set>

#include "core/cutover/cutover_workflow.hpp"
#include "core/routing/rules_json.hpp"
#include "core/scenario/reader_support.hpp"

namespace wsfo::scenario::detail {

namespace {

const std::vector<std::string> kActions = {
    "cutover",       "kill",         "power-off",       "stop-gateway",      "start-gateway",
    "restore",       "backend-kill", "backend-restore", "backend-add",       "backend-remove",
    "partition",     "heal",         "clients-add",     "admin-unreachable", "admin-slow",
    "admin-restore", "wait"};

// An admin API slower than the runs' admin call timeout is an unreachable
// one (admin-unreachable says so plainly).
constexpr auto kAdminTimeout = cutover::kAdminCallTimeout;

class TimelineReader {
 public:
  TimelineReader(Problems& problems, Registries& registries, const Scenario& scenario)
      : problems_(problems), registries_(registries), scenario_(scenario), rules_(scenario.rules) {
    for (const Unit& unit : scenario.units)
      for (const Backend& backend : unit.backends) backend_unit_[backend.name] = unit.name;
  }

  std::optional<TimelineEvent> read_event(const Json& value, const std::string& pointer) {
    ObjectReader reader(value, pointer, problems_);
    if (!reader.valid()) return std::nullopt;
    auto at = reader.duration("at", true);
    auto action_name = reader.choice("action", true, kActions);
    bool at_ok = at && check_time(reader, *at);
    if (!action_name) {
      mark_parameters_seen(reader);
      return std::nullopt;
    }
    std::optional<Action> action = read_action(reader, *action_name);
    Expectation expect;
    if (const Json* e = reader.value("expect", false)) {
      expect = read_expectation(*e, reader.pointer_of("expect"), problems_, scenario_);
      check_reach_backends(expect, reader.pointer_of("expect"));
    }
    if (!at_ok || !action) return std::nullopt;
    return TimelineEvent{*at, std::move(*action), std::move(expect)};
  }

  // Deferred client groups must be added at some point.
  const std::set<std::string>& added_groups() const { return added_groups_; }

 private:
  bool check_time(ObjectReader& reader, Duration at) {
    std::string pointer = reader.pointer_of("at");
    if (at > scenario_.duration) {
      problems_.add(pointer, "expected a time within the run duration (" + json::format_duration(scenario_.duration) +
                                 "), got \"" + json::format_duration(at) + "\"");
      return false;
    }
    if (previous_at_ && at < *previous_at_) {
      problems_.add(pointer, "events are out of order: expected a time not before the previous event (" +
                                 json::format_duration(*previous_at_) + " at " + previous_pointer_ + "), got \"" +
                                 json::format_duration(at) + "\"");
      return false;
    }
    previous_at_ = at;
    previous_pointer_ = pointer;
    return true;
  }

  // After an unknown action, its parameters are not "unknown keys" worth a second message.
  static void mark_parameters_seen(ObjectReader& reader) {
    for (const char* key : {"node", "backend", "unit", "route", "a", "b", "group", "rules", "fence", "skew", "catch_up",
                            "skip", "step_deadline", "delay", "expect"})
      reader.value(key, false);
  }

  std::optional<Action> read_action(ObjectReader& reader, const std::string& name) {
    if (name == "cutover") return read_cutover(reader);
    if (name == "kill" || name == "power-off" || name == "stop-gateway" || name == "start-gateway" || name == "restore")
      return read_node_action(reader, name);
    if (name == "backend-kill" || name == "backend-restore") return read_backend_fault(reader, name);
    if (name == "backend-add") return read_backend_add(reader);
    if (name == "backend-remove") return read_backend_remove(reader);
    if (name == "partition" || name == "heal") return read_partition(reader, name);
    if (name == "clients-add") return read_clients_add(reader);
    if (name.rfind("admin-", 0) == 0) return read_admin_fault(reader, name);
    return Wait{};
  }

  // A backend named by reach_backends must be present once the event's
  // action is done (a unit's own, or added earlier or by this event).
  void check_reach_backends(const Expectation& expect, const std::string& pointer) {
    for (const auto& name : expect.reach_backends)
      if (!backend_unit_.count(name))
        problems_.add(json::pointer_append(pointer, "reach_backends"),
                      "unknown backend '" + name + "' (not present at this event)");
  }

  std::optional<Action> read_cutover(ObjectReader& reader) {
    const Json* value = reader.object("rules", true);
    auto fence = reader.boolean("fence", false).value_or(true);
    auto skew = reader.duration("skew", false);
    auto catch_up = reader.duration("catch_up", false);
    auto step_deadline = reader.duration("step_deadline", false);
    auto skip = read_skip(reader);
    if (step_deadline && step_deadline->count() <= 0)
      return fail(reader.pointer_of("step_deadline"), "expected a duration above 0");
    if (skew && fence) return fail(reader.pointer_of("skew"), "skew applies only without the fence (\"fence\": false)");
    if (catch_up && !fence)
      return fail(reader.pointer_of("catch_up"), "catch_up applies only with the fence (\"fence\": true)");
    if (!value) return std::nullopt;
    std::string pointer = reader.pointer_of("rules");
    std::size_t before = problems_.list().size();
    auto rules = routing::read_rules(*value, pointer, problems_, scenario_.unit_names());
    if (!rules || problems_.list().size() != before) return std::nullopt;
    if (rules->modulus() != rules_.modulus())
      return fail(pointer, "expected the modulus of the rules in force (" + std::to_string(rules_.modulus()) +
                               "), got " + std::to_string(rules->modulus()));
    if (rules->version() <= rules_.version())
      return fail(json::pointer_append(pointer, "version"),
                  "expected a version greater than " + std::to_string(rules_.version()) +
                      " (the rules in force), got " + std::to_string(rules->version()));
    if (!skip) return std::nullopt;
    rules_ = *rules;
    return Cutover{*rules, fence, skew.value_or(Duration{}), catch_up.value_or(Duration{}), *skip, step_deadline};
  }

  // "skip": names of pre-checks, each known and named once.
  std::optional<std::vector<std::string>> read_skip(ObjectReader& reader) {
    std::vector<std::string> skip;
    const Json* list = reader.array("skip", false);
    if (!list) return reader.has("skip") ? std::nullopt : std::optional(skip);
    const auto& names = cutover::precheck_names();
    std::string known;
    for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
    bool ok = true;
    for (std::size_t i = 0; i < list->size(); ++i) {
      std::string pointer = json::pointer_append(reader.pointer_of("skip"), i);
      const Json& item = (*list)[i];
      if (!item.is_string()) {
        problems_.add(pointer, "expected a pre-check name, got " + json::type_name(item));
        ok = false;
      } else if (std::find(names.begin(), names.end(), item.get<std::string>()) == names.end()) {
        problems_.add(pointer, "unknown pre-check '" + item.get<std::string>() + "' (expected one of " + known + ")");
        ok = false;
      } else if (std::find(skip.begin(), skip.end(), item.get<std::string>()) != skip.end()) {
        problems_.add(pointer, "pre-check '" + item.get<std::string>() + "' is already skipped");
        ok = false;
      } else {
        skip.push_back(item.get<std::string>());
      }
    }
    return ok ? std::optional(skip) : std::nullopt;
  }

  // admin-unreachable, admin-slow and admin-restore: one fault at a time per
  // node's admin API, on a node that is up; a kill ends it with the process.
  std::optional<Action> read_admin_fault(ObjectReader& reader, const std::string& name) {
    auto node = known_node(reader, "node");
    std::optional<Duration> delay;
    if (name == "admin-slow") delay = reader.duration("delay", true);
    if (!node || (name == "admin-slow" && !delay)) return std::nullopt;
    std::string pointer = reader.pointer_of("node");
    auto fault = admin_faults_.find(*node);
    if (name == "admin-restore") {
      if (fault == admin_faults_.end())
        return fail(pointer,
                    "the admin API of node '" + *node + "' is neither unreachable nor slow: nothing to restore");
      admin_faults_.erase(fault);
      return AdminRestore{*node};
    }
    if (auto down = down_nodes_.find(*node); down != down_nodes_.end())
      return fail(pointer, "node '" + *node + "' is " + down->second + " at this time");
    if (fault != admin_faults_.end())
      return fail(pointer, "the admin API of node '" + *node + "' is already " + fault->second +
                               " (admin-restore lifts it first)");
    if (name == "admin-unreachable")
      return admin_faults_.emplace(*node, "unreachable"), Action{AdminUnreachable{*node}};
    if (delay->count() <= 0 || *delay >= kAdminTimeout)
      return fail(reader.pointer_of("delay"), "expected a delay above 0 and below the admin calls' timeout (" +
                                                  json::format_duration(kAdminTimeout) + "), got \"" +
                                                  json::format_duration(*delay) + "\" (use admin-unreachable)");
    return admin_faults_.emplace(*node, "slow"), Action{AdminSlow{*node, *delay}};
  }

  std::optional<std::string> known_node(ObjectReader& reader, const std::string& key) {
    auto node = read_name(reader, key);
    if (!node) return std::nullopt;
    if (scenario_.find_node(*node)) return node;
    return fail(reader.pointer_of(key), "unknown node '" + *node + "'");
  }

  std::optional<Action> read_node_action(ObjectReader& reader, const std::string& name) {
    auto node = known_node(reader, "node");
    if (!node) return std::nullopt;
    std::string pointer = reader.pointer_of("node");
    auto down = down_nodes_.find(*node);  // killed or powered off
    bool stopped = stopped_gateways_.count(*node) != 0;
    if (name == "restore") {
      if (down == down_nodes_.end()) return fail(pointer, "node '" + *node + "' is not killed: nothing to restore");
      down_nodes_.erase(down);
      stopped_gateways_.erase(*node);
      return RestoreNode{*node};
    }
    if (down != down_nodes_.end()) return fail(pointer, "node '" + *node + "' is " + down->second + " at this time");
    if (name == "kill" || name == "power-off") admin_faults_.erase(*node);  // they end with the process
    if (name == "kill") return down_nodes_.emplace(*node, "killed"), Action{KillNode{*node}};
    if (name == "power-off") return down_nodes_.emplace(*node, "powered off"), Action{PowerOff{*node}};
    if (name == "stop-gateway") {
      if (stopped) return fail(pointer, "the gateway of node '" + *node + "' is already stopped");
      return stopped_gateways_.insert(*node), Action{StopGateway{*node}};
    }
    if (!stopped) return fail(pointer, "the gateway of node '" + *node + "' is not stopped");
    return stopped_gateways_.erase(*node), Action{StartGateway{*node}};
  }

  std::optional<Action> read_backend_fault(ObjectReader& reader, const std::string& name) {
    auto backend = read_name(reader, "backend");
    if (!backend) return std::nullopt;
    std::string pointer = reader.pointer_of("backend");
    if (!backend_unit_.count(*backend)) return fail(pointer, "unknown backend '" + *backend + "'");
    bool killed = killed_backends_.count(*backend) != 0;
    if (name == "backend-kill") {
      if (killed) return fail(pointer, "backend '" + *backend + "' is already killed");
      return killed_backends_.insert(*backend), Action{BackendKill{*backend}};
    }
    if (!killed) return fail(pointer, "backend '" + *backend + "' is not killed: nothing to restore");
    return killed_backends_.erase(*backend), Action{BackendRestore{*backend}};
  }

  const Unit* known_unit(ObjectReader& reader) {
    auto unit = read_name(reader, "unit");
    if (!unit) return nullptr;
    if (const Unit* known = scenario_.find_unit(*unit)) return known;
    problems_.add(reader.pointer_of("unit"), "unknown unit '" + *unit + "'");
    return nullptr;
  }

  // The route prefix, when given, must be one of the unit's routes.
  bool check_route(ObjectReader& reader, const Unit* unit, std::optional<std::string>& route) {
    route = reader.string("route", false);
    if (!route || !unit) return !reader.has("route") || route.has_value();
    bool known =
        std::any_of(unit->routes.begin(), unit->routes.end(), [&](const Route& r) { return r.prefix == *route; });
    if (!known) problems_.add(reader.pointer_of("route"), "unit '" + unit->name + "' has no route '" + *route + "'");
    return known;
  }

  std::optional<Action> read_backend_add(ObjectReader& reader) {
    const Unit* unit = known_unit(reader);
    const Json* value = reader.object("backend", true);
    std::optional<std::string> route;
    bool route_ok = check_route(reader, unit, route);
    if (!value) return std::nullopt;
    bool ok = true;
    Backend backend = read_backend(*value, reader.pointer_of("backend"), problems_, registries_, ok);
    if (!ok || !unit || !route_ok) return std::nullopt;
    backend_unit_[backend.name] = unit->name;
    return BackendAdd{unit->name, backend, route};
  }

  std::optional<Action> read_backend_remove(ObjectReader& reader) {
    const Unit* unit = known_unit(reader);
    auto backend = read_name(reader, "backend");
    std::optional<std::string> route;
    bool route_ok = check_route(reader, unit, route);
    if (!unit || !backend || !route_ok) return std::nullopt;
    auto it = backend_unit_.find(*backend);
    if (it == backend_unit_.end() || it->second != unit->name)
      return fail(reader.pointer_of("backend"),
                  "unit '" + unit->name + "' has no backend '" + *backend + "' at this time");
    if (!route) backend_unit_.erase(it);
    return BackendRemove{unit->name, *backend, route};
  }

  std::optional<Action> read_partition(ObjectReader& reader, const std::string& name) {
    auto a = known_node(reader, "a");
    auto b = known_node(reader, "b");
    if (!a || !b) return std::nullopt;
    if (*a == *b) return fail(reader.pointer_of("b"), "expected a node other than '" + *a + "'");
    auto pair = std::minmax(*a, *b);
    bool partitioned = partitions_.count(pair) != 0;
    std::string between = "nodes '" + *a + "' and '" + *b + "'";
    if (name == "partition") {
      if (partitioned) return fail(reader.pointer_of("b"), between + " are already partitioned");
      return partitions_.insert(pair), Action{Partition{*a, *b}};
    }
    if (!partitioned) return fail(reader.pointer_of("b"), between + " are not partitioned: nothing to heal");
    return partitions_.erase(pair), Action{Heal{*a, *b}};
  }

  std::optional<Action> read_clients_add(ObjectReader& reader) {
    auto group = read_name(reader, "group");
    if (!group) return std::nullopt;
    std::string pointer = reader.pointer_of("group");
    const ClientGroup* known = scenario_.find_group(*group);
    if (!known) return fail(pointer, "unknown client group '" + *group + "'");
    if (known->connect_at_start || added_groups_.count(*group))
      return fail(pointer, "client group '" + *group +
                               "' is already connected (set \"connect_at_start\": false to "
                               "add it later)");
    return added_groups_.insert(*group), Action{ClientsAdd{*group}};
  }

  std::nullopt_t fail(const std::string& pointer, const std::string& message) {
    problems_.add(pointer, message);
    return std::nullopt;
  }

  Problems& problems_;
  Registries& registries_;
  const Scenario& scenario_;
  routing::RuleSet rules_;  // in force at this point of the timeline
  std::optional<Duration> previous_at_;
  std::string previous_pointer_;
  std::map<std::string, std::string> down_nodes_;    // node → "killed" or "powered off"
  std::map<std::string, std::string> admin_faults_;  // node → "unreachable" or "slow"
  std::set<std::string> stopped_gateways_, killed_backends_, added_groups_;
  std::set<std::pair<std::string, std::string>> partitions_;
  std::map<std::string, std::string> backend_unit_;  // present backends → their unit
};

}  // namespace

std::vector<TimelineEvent> read_timeline(const Json& value, const std::string& pointer, Problems& problems,
                                         Registries& registries, const Scenario& scenario) {
  std::vector<TimelineEvent> events;
  if (!value.is_array()) {
    problems.add(pointer, "expected an array, got " + json::type_name(value));
    return events;
  }
  TimelineReader reader(problems, registries, scenario);
  for (std::size_t i = 0; i < value.size(); ++i)
    if (auto event = reader.read_event(value[i], json::pointer_append(pointer, i))) events.push_back(std::move(*event));
  for (std::size_t i = 0; i < scenario.clients.size(); ++i) {
    const ClientGroup& group = scenario.clients[i];
    if (!group.connect_at_start && !reader.added_groups().count(group.name))
      problems.add("/clients/" + std::to_string(i) + "/connect_at_start",
                   "client group '" + group.name + "' never connects: no clients-add event names it");
  }
  return events;
}

}  // namespace wsfo::scenario::detail
