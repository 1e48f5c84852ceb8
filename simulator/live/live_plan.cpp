#include "simulator/live/live_plan.hpp"

#include <algorithm>

#include "core/clients/reconnect_policy.hpp"
#include "core/json/json_reader.hpp"
#include "core/routing/rules_json.hpp"
#include "core/scenario/client_population.hpp"
#include "core/vrrp/agent_config.hpp"

namespace wsfo::live {

namespace {

std::string endpoint(const std::string& address, std::uint16_t port) { return address + ":" + std::to_string(port); }

// Where clients reach a unit: its VIPs when it has any (VRRP holds them),
// otherwise its nodes directly.
std::vector<std::string> unit_entry_points(const scenario::Unit& unit) {
  std::vector<std::string> out;
  for (const auto& vip : unit.vips) out.push_back(endpoint(vip.address, vip.port));
  if (out.empty())
    for (const auto& node : unit.nodes) out.push_back(endpoint(node.address, node.port));
  return out;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

json::Json router_id_section(const scenario::RouterIdPolicy& policy) {
  json::Json sources = json::Json::array();
  for (auto source : policy.sources) sources.push_back(std::string(routing::to_string(source)));
  std::string missing = policy.missing.kind == scenario::MissingRouterIdPolicy::Kind::local    ? "local"
                        : policy.missing.kind == scenario::MissingRouterIdPolicy::Kind::reject ? "reject"
                                                                                               : policy.missing.unit;
  return {{"sources", sources}, {"missing", missing}, {"modulus", policy.modulus}};
}

json::Json routes_section(const scenario::Unit& unit) {
  json::Json routes = json::Json::array();
  for (const auto& route : unit.routes) {
    json::Json backends = json::Json::array();
    for (const auto& name : route.backends)
      for (const auto& b : unit.backends)
        if (b.name == name) backends.push_back(endpoint(b.address, b.port));
    routes.push_back({{"prefix", route.prefix},
                      {"backends", backends},
                      {"balance", route.balance == scenario::Balance::round_robin ? "round_robin" : "router_id_hash"}});
  }
  return routes;
}

std::vector<std::string> client_args(const scenario::ClientGroup& group, const std::vector<std::uint64_t>& ids,
                                     const std::vector<std::string>& resolve, const std::string& events_file,
                                     std::size_t process_index) {
  std::vector<std::string> args = {"clients",
                                   "--url",
                                   group.url.text,
                                   "--events",
                                   events_file,
                                   "--reconnect",
                                   clients::to_string(clients::reconnect_spec(group.reconnect)),
                                   "--max-redirects",
                                   std::to_string(group.max_redirects),
                                   "--source-net",
                                   "127." + std::to_string(100 + process_index % 100) + ".0.0/16",
                                   "--source",
                                   group.name};
  std::string list;
  for (auto id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  args.insert(args.end(), {"--router-ids", list});
  if (group.mode == routing::RouterIdSource::query) args.push_back("--query-mode");
  if (group.heartbeat) {
    args.insert(args.end(), {"--heartbeat", json::format_duration(group.heartbeat->interval), "--idle-timeout",
                             json::format_duration(group.heartbeat->timeout)});
  }
  for (const auto& entry : resolve) args.insert(args.end(), {"--resolve", entry});
  return args;
}

std::vector<ClientsPlan> client_processes(const scenario::ClientGroup& group, const std::vector<std::string>& resolve,
                                          const std::string& run_dir, std::size_t& process_counter, bool verbose) {
  std::vector<std::uint64_t> ids = scenario::expand_router_ids(group.router_ids);
  std::vector<ClientsPlan> plans;
  for (std::size_t first = 0; first < ids.size(); first += kMaxClientsPerProcess) {
    std::size_t part = first / kMaxClientsPerProcess;
    ClientsPlan plan;
    plan.group = group.name;
    plan.router_ids.assign(
        ids.begin() + static_cast<std::ptrdiff_t>(first),
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), first + kMaxClientsPerProcess)));
    plan.events_file = run_dir + "/events/clients-" + group.name + "-" + std::to_string(part) + ".jsonl";
    plan.process = {"clients " + group.name + "#" + std::to_string(part),
                    client_args(group, plan.router_ids, resolve, plan.events_file, process_counter++)};
    if (verbose) {
      plan.process.args.push_back("--verbose");
      plan.process.echo_stdout = true;
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

// The node's VRRP instances (one per VIP listing it); null when it has none.
json::Json vrrp_section(const scenario::Scenario& scenario, const scenario::Node& node, const std::string& run_dir) {
  std::string error;
  auto agent = vrrp::agent_config_for_node(scenario, node.name, error);
  if (!agent || agent->instances.empty()) return nullptr;
  agent->events_file = vrrp_events_file(run_dir, node.name);
  return vrrp::to_json(*agent);
}

}  // namespace

std::string vrrp_events_file(const std::string& run_dir, const std::string& node) {
  return run_dir + "/events/vrrp-" + node + ".jsonl";
}

json::Json gateway_config(const scenario::Scenario& scenario, const scenario::Unit& unit, const scenario::Node& node,
                          const std::string& run_dir) {
  json::Json units = json::Json::object();
  for (const auto& u : scenario.units) {
    json::Json gateways = json::Json::array();
    for (const auto& n : u.nodes) gateways.push_back(endpoint(n.address, n.port));
    units[u.name] = {{"public_url", u.public_url}, {"gateways", gateways}};
  }
  json::Json config = {
      {"node", node.name},
      {"unit", unit.name},
      {"listen", json::Json::array({endpoint(node.address, node.port)})},
      {"admin", {{"listen", endpoint(node.address, node.admin_port)}}},
      {"units", units},
      {"correction", scenario.gateway.correction == scenario::Correction::redirect ? "redirect" : "proxy"},
      {"router_id", router_id_section(scenario.gateway.router_id)},
      {"rules", routing::to_json(scenario.rules)},
      {"routes", routes_section(unit)},
      {"state_file", run_dir + "/state/" + node.name + ".rules.json"}};
  if (auto vrrp = vrrp_section(scenario, node, run_dir); !vrrp.is_null()) config["vrrp"] = vrrp;
  return config;
}

BackendPlan backend_plan(const scenario::Scenario& scenario, const std::string& unit_name,
                         const scenario::Backend& backend) {
  const scenario::Unit* unit = scenario.find_unit(unit_name);
  std::vector<std::string> args = {"backend", "--label", unit ? unit->label : unit_name, "--name", backend.name,
                                   "--listen", endpoint(backend.address, backend.port)};
  if (backend.broadcast_interval.count() > 0)
    args.insert(args.end(), {"--interval", json::format_duration(backend.broadcast_interval)});
  if (!backend.announce_to_all) args.insert(args.end(), {"--announce", "self"});
  return {backend.name, unit_name, {"backend " + backend.name, args}};
}

LivePlan make_live_plan(const scenario::Scenario& scenario, const std::string& run_dir,
                        const std::set<std::string>& verbose_groups) {
  LivePlan plan;
  for (const auto& unit : scenario.units) {
    std::string entry = join(unit_entry_points(unit), ",");
    plan.resolve.push_back(unit.subdomain + "=" + entry);
    if (unit.name == scenario.domain.cname) plan.resolve.push_back(scenario.domain.name + "=" + entry);
  }
  for (const auto& unit : scenario.units) {
    for (const auto& backend : unit.backends) plan.backends.push_back(backend_plan(scenario, unit.name, backend));
    for (const auto& node : unit.nodes) {
      GatewayPlan gateway;
      gateway.node = node.name;
      gateway.unit = unit.name;
      gateway.admin = endpoint(node.address, node.admin_port);
      gateway.config = gateway_config(scenario, unit, node, run_dir);
      gateway.config_file = node.name + ".gateway.json";
      if (gateway.config.contains("vrrp")) gateway.vrrp_events_file = vrrp_events_file(run_dir, node.name);
      gateway.process = {"gateway " + node.name, {"gateway", "--config", run_dir + "/" + gateway.config_file}};
      plan.gateways.push_back(std::move(gateway));
    }
  }
  std::size_t process_counter = 0;
  for (const auto& group : scenario.clients) {
    auto processes =
        client_processes(group, plan.resolve, run_dir, process_counter, verbose_groups.count(group.name) != 0);
    if (group.connect_at_start)
      plan.clients.insert(plan.clients.end(), processes.begin(), processes.end());
    else
      plan.waves[group.name] = std::move(processes);
  }
  return plan;
}

}  // namespace wsfo::live
