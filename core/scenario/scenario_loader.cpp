#include "core/scenario/scenario_loader.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/routing/rules_json.hpp"
#include "core/scenario/reader_support.hpp"

namespace wsfo::scenario {

namespace {

using namespace detail;

std::optional<Domain> read_domain(const Json& value, const std::string& pointer, Problems& problems,
                                  const std::vector<Unit>& units) {
  ObjectReader reader(value, pointer, problems);
  auto name = read_hostname(reader, "name");
  auto cname = read_name(reader, "cname");
  if (!name || !cname) return std::nullopt;
  for (const Unit& unit : units)
    if (unit.name == *cname) return Domain{*name, *cname};
  problems.add(reader.pointer_of("cname"), "unknown unit '" + *cname + "'");
  return std::nullopt;
}

bool read_sources(ObjectReader& reader, RouterIdPolicy& policy) {
  const Json* list = reader.array("sources", false);
  if (!list) return !reader.has("sources");
  std::string pointer = reader.pointer_of("sources");
  if (list->empty()) return reader.problems().add(pointer, "expected at least 1 source, got 0"), false;
  policy.sources.clear();
  NameRegistry seen("source");
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string item_pointer = json::pointer_append(pointer, i);
    const Json& item = (*list)[i];
    auto source = item.is_string() ? routing::router_id_source_from_string(item.get<std::string>()) : std::nullopt;
    if (!source) {
      reader.problems().add(item_pointer, "expected one of \"header\", \"cookie\", \"query\", got " + item.dump());
      return false;
    }
    if (!seen.claim(item.get<std::string>(), item_pointer, reader.problems())) return false;
    policy.sources.push_back(*source);
  }
  return true;
}

std::optional<RouterIdPolicy> read_router_id_policy(const Json& value, const std::string& pointer, Problems& problems,
                                                    const std::vector<Unit>& units,
                                                    std::optional<std::uint32_t>& modulus) {
  ObjectReader reader(value, pointer, problems);
  RouterIdPolicy policy;
  bool ok = read_sources(reader, policy);
  if (auto missing = reader.string("missing", false)) {
    if (*missing == "reject")
      policy.missing.kind = MissingRouterIdPolicy::Kind::reject;
    else if (*missing != "local")
      policy.missing = {MissingRouterIdPolicy::Kind::unit, *missing};
    bool known = *missing == "local" || *missing == "reject" ||
                 std::any_of(units.begin(), units.end(), [&](const Unit& u) { return u.name == *missing; });
    if (!known)
      problems.add(reader.pointer_of("missing"),
                   "expected \"local\", \"reject\" or a unit name, got \"" + *missing + "\"");
    ok = ok && known;
  } else if (reader.has("missing")) {
    ok = false;
  }
  if (auto m = reader.integer("modulus", false, 1, 1'000'000))
    modulus = static_cast<std::uint32_t>(*m);
  else if (reader.has("modulus"))
    ok = false;
  if (!ok) return std::nullopt;
  return policy;
}

// As the gateway config's own bound (core/gateway/gateway_config.cpp).
constexpr std::int64_t kMaxGatewayConnections = 10'000'000;
constexpr std::int64_t kMaxHandshakesInProgress = 1'000'000;  // as the gateway config allows

std::optional<GatewayPolicy> read_gateway(const Json& value, const std::string& pointer, Problems& problems,
                                          const std::vector<Unit>& units, std::optional<std::uint32_t>& modulus) {
  ObjectReader reader(value, pointer, problems);
  GatewayPolicy policy;
  auto correction = reader.choice("correction", false, {"redirect", "proxy"});
  if (correction == "proxy") policy.correction = Correction::proxy;
  if (const Json* v = reader.value("router_id", false)) {
    auto router_id = read_router_id_policy(*v, reader.pointer_of("router_id"), problems, units, modulus);
    if (!router_id) return std::nullopt;
    policy.router_id = *router_id;
  }
  if (reader.has("correction") && !correction) return std::nullopt;
  auto browsers = reader.choice("browser_correction", false, {"redirect", "proxy"});
  if (reader.has("browser_correction") && !browsers) return std::nullopt;
  if (browsers) policy.browser_correction = *browsers == "proxy" ? Correction::proxy : Correction::redirect;
  auto max_connections = reader.integer("max_connections", false, 1, kMaxGatewayConnections);
  if (reader.has("max_connections") && !max_connections) return std::nullopt;
  if (max_connections) policy.max_connections = static_cast<std::size_t>(*max_connections);
  auto max_handshakes = reader.integer("max_handshakes_in_progress", false, 1, kMaxHandshakesInProgress);
  if (reader.has("max_handshakes_in_progress") && !max_handshakes) return std::nullopt;
  if (max_handshakes) policy.max_handshakes_in_progress = static_cast<std::size_t>(*max_handshakes);
  return policy;
}

std::optional<Link> read_link(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  auto latency = reader.duration("latency", true);
  auto bandwidth = reader.number("bandwidth_mbps", true, 0.001, 1e6);
  if (!latency || !bandwidth) return std::nullopt;
  return Link{*latency, *bandwidth};
}

std::optional<Simulation> read_simulation(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  Simulation sim = default_simulation();
  std::optional<Link> within, between;
  if (const Json* v = reader.value("within_unit", true))
    within = read_link(*v, reader.pointer_of("within_unit"), problems);
  if (const Json* v = reader.value("between_units", true))
    between = read_link(*v, reader.pointer_of("between_units"), problems);
  std::optional<Duration> handshake, message;
  bool optional_ok = true;
  // An optional figure left out keeps its default; one written wrong is an error.
  auto optional_duration = [&optional_ok](ObjectReader& from, const std::string& key, Duration& into) {
    if (!from.has(key)) return;
    if (auto d = from.duration(key, false))
      into = *d;
    else
      optional_ok = false;
  };
  if (const Json* v = reader.value("gateway_cpu", true)) {
    ObjectReader cpu(*v, reader.pointer_of("gateway_cpu"), problems);
    handshake = cpu.duration("handshake", true);
    message = cpu.duration("message", true);
    optional_duration(cpu, "message_per_kib", sim.message_cpu_per_kib);
    optional_duration(cpu, "close", sim.close_cpu);
    optional_duration(cpu, "tls_handshake", sim.tls_handshake_cpu);
  }
  if (const Json* v = reader.object("backend_cpu", false)) {
    ObjectReader cpu(*v, reader.pointer_of("backend_cpu"), problems);
    optional_duration(cpu, "handshake", sim.backend_cpu.handshake);
    optional_duration(cpu, "broadcast", sim.backend_cpu.broadcast);
    optional_duration(cpu, "message", sim.backend_cpu.message);
    optional_duration(cpu, "close", sim.backend_cpu.close);
  }
  if (const Json* v = reader.object("testbed", false)) {
    ObjectReader testbed(*v, reader.pointer_of("testbed"), problems);
    Testbed bed;
    auto cores = testbed.number("cores", true, 1, 1024);
    if (const Json* c = testbed.object("client_cpu", true)) {
      ObjectReader cpu(*c, testbed.pointer_of("client_cpu"), problems);
      optional_duration(cpu, "handshake", bed.client_handshake);
      optional_duration(cpu, "message", bed.client_message);
      optional_duration(cpu, "close", bed.client_close);
    }
    if (cores) bed.cores = *cores;
    else optional_ok = false;
    sim.testbed = bed;
  }
  if (!within || !between || !handshake || !message || !optional_ok) return std::nullopt;
  sim.within_unit = *within;
  sim.between_units = *between;
  sim.handshake_cpu = *handshake;
  sim.message_cpu = *message;
  return sim;
}

constexpr std::int64_t kMaxNginxWorkers = 64;

// Settings of one stack given with another are refused: they would be silently ignored.
std::optional<Stack> read_stack(const Json& value, const std::string& pointer, Problems& problems) {
  ObjectReader reader(value, pointer, problems);
  Stack stack;
  auto kind_name = reader.choice("kind", true, stack_kind_names());
  auto workers = reader.integer("nginx_workers", false, 1, kMaxNginxWorkers);
  auto shutdown_timeout = reader.duration("worker_shutdown_timeout", false);
  bool ok = kind_name && (workers || !reader.has("nginx_workers")) &&
            (shutdown_timeout || !reader.has("worker_shutdown_timeout"));
  if (shutdown_timeout && (shutdown_timeout->count() <= 0 || shutdown_timeout->count() % 1'000'000 != 0)) {
    problems.add(reader.pointer_of("worker_shutdown_timeout"),
                 "expected a positive whole number of milliseconds (nginx's resolution), got \"" +
                     json::format_duration(*shutdown_timeout) + "\"");
    ok = false;
  }
  if (!kind_name) return std::nullopt;
  stack.kind = *parse_stack_kind(*kind_name);
  if (stack.kind != StackKind::nginx_keepalived)
    for (const char* key : {"nginx_workers", "worker_shutdown_timeout"})
      if (reader.has(key)) {
        problems.add(reader.pointer_of(key),
                     std::string("applies only to the \"nginx-keepalived\" stack, not to \"") + *kind_name + "\"");
        ok = false;
      }
  if (!ok) return std::nullopt;
  if (workers) stack.nginx_workers = static_cast<std::size_t>(*workers);
  stack.worker_shutdown_timeout = shutdown_timeout;
  return stack;
}

// The rules modulus and the gateway's must agree: both decide a routerId's slot.
bool check_modulus(const routing::RuleSet& rules, std::optional<std::uint32_t> gateway_modulus, Problems& problems) {
  if (!gateway_modulus || *gateway_modulus == rules.modulus()) return true;
  problems.add("/gateway/router_id/modulus", "expected the modulus of /rules (" + std::to_string(rules.modulus()) +
                                                 "), got " + std::to_string(*gateway_modulus));
  return false;
}

}  // namespace

std::optional<Scenario> read_scenario(const json::Json& document, json::Problems& problems) {
  Scenario scenario;
  Registries registries;
  {
    ObjectReader reader(document, "", problems);
    if (!reader.valid()) return std::nullopt;
    scenario.name = read_name(reader, "name").value_or("");
    scenario.description = reader.string("description", false).value_or("");
    auto duration = reader.duration("duration", true);
    if (duration && duration->count() == 0)
      problems.add(reader.pointer_of("duration"), "expected a positive duration, got \"0s\"");
    scenario.duration = duration.value_or(Duration::max());
    if (const Json* v = reader.object("stack", false))
      if (auto stack = read_stack(*v, "/stack", problems)) scenario.stack = *stack;
    scenario.tls = reader.boolean("tls", false).value_or(false);
    scenario.tls_to_backends = reader.boolean("tls_to_backends", false).value_or(false);
    if (scenario.tls_to_backends && !scenario.tls)
      problems.add(reader.pointer_of("tls_to_backends"),
                   "needs \"tls\": true (the backends' certificates come from the run's CA, made for a TLS run)");
    if (const Json* v = reader.array("units", true))
      scenario.units = read_units(*v, "/units", problems, registries, scenario.tls);
    if (const Json* v = reader.object("domain", true))
      if (auto domain = read_domain(*v, "/domain", problems, scenario.units)) scenario.domain = *domain;
    std::optional<std::uint32_t> gateway_modulus;
    if (const Json* v = reader.object("gateway", false))
      if (auto gateway = read_gateway(*v, "/gateway", problems, scenario.units, gateway_modulus))
        scenario.gateway = *gateway;
    const Json* rules_value = reader.object("rules", true);
    std::optional<routing::RuleSet> rules;
    if (rules_value) rules = routing::read_rules(*rules_value, "/rules", problems, scenario.unit_names());
    if (rules && check_modulus(*rules, gateway_modulus, problems)) {
      scenario.rules = *rules;
      scenario.gateway.router_id.modulus = rules->modulus();
    }
    if (const Json* v = reader.array("clients", true))
      scenario.clients = read_clients(*v, "/clients", problems, registries, scenario);
    // Cutovers are checked against the rules in force: without valid rules v1 they would only echo its problem.
    const Json* timeline = reader.array("timeline", true);
    if (timeline && rules) scenario.timeline = read_timeline(*timeline, "/timeline", problems, registries, scenario);
    if (const Json* v = reader.object("simulation", false))
      scenario.simulation = read_simulation(*v, "/simulation", problems);
  }
  if (!problems.empty()) return std::nullopt;
  return scenario;
}

LoadedScenario parse_scenario(const std::string& text) {
  LoadedScenario loaded;
  if (auto document = json::parse(text, loaded.problems)) loaded.scenario = read_scenario(*document, loaded.problems);
  return loaded;
}

LoadedScenario load_scenario_file(const std::string& path) {
  std::error_code error;
  bool is_directory = std::filesystem::is_directory(path, error);
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (in && !is_directory) text << in.rdbuf();
  if (!in || in.bad() || is_directory) {
    LoadedScenario loaded;
    loaded.unreadable = true;
    loaded.problems.add("", "cannot read file '" + path + "'");
    return loaded;
  }
  return parse_scenario(text.str());
}

}  // namespace wsfo::scenario
