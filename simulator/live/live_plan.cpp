#include "simulator/live/live_plan.hpp"

#include <algorithm>
#include <fstream>

#include "core/clients/reconnect_policy.hpp"
#include "core/gateway/gateway_config_json.hpp"
#include "core/json/json_reader.hpp"
#include "core/run/part_plan.hpp"
#include "core/scenario/client_population.hpp"

namespace wsfo::live {

namespace {

// "address:port", as gateway configs and the name map write it.
std::string endpoint(const std::string& address, std::uint16_t port) { return gateway::Endpoint{address, port}.text(); }

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// The routerIds travel in a file: thousands of 63-bit ids on one argument
// pass Linux's 128 KiB limit for a single argument.
std::vector<std::string> client_args(const scenario::ClientGroup& group, const std::string& ids_file,
                                     const std::vector<std::string>& resolve, const std::string& events_file,
                                     const std::string& source_net, const std::string& ca) {
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
                                   source_net,
                                   "--source",
                                   group.name};
  args.insert(args.end(), {"--router-ids-file", ids_file});
  if (group.mode == routing::RouterIdSource::query) args.push_back("--query-mode");
  if (group.mode == routing::RouterIdSource::cookie) args.push_back("--cookie-mode");
  if (group.browser) args.push_back("--browser");
  if (group.heartbeat) {
    args.insert(args.end(), {"--heartbeat", json::format_duration(group.heartbeat->interval), "--idle-timeout",
                             json::format_duration(group.heartbeat->timeout)});
  }
  for (const auto& entry : resolve) args.insert(args.end(), {"--resolve", entry});
  if (!ca.empty()) args.insert(args.end(), {"--ca-file", ca});
  return args;
}

std::vector<ClientsPlan> client_processes(const scenario::ClientGroup& group, const std::vector<std::string>& resolve,
                                          const std::string& run_dir, std::size_t& process_counter, bool verbose,
                                          std::string (*source_net)(std::size_t), const std::string& ca) {
  std::vector<std::uint64_t> ids = scenario::expand_router_ids(group.router_ids);
  std::vector<ClientsPlan> plans;
  for (std::size_t first = 0; first < ids.size(); first += kMaxClientsPerProcess) {
    std::size_t part = first / kMaxClientsPerProcess;
    ClientsPlan plan;
    plan.group = group.name;
    plan.router_ids.assign(
        ids.begin() + static_cast<std::ptrdiff_t>(first),
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), first + kMaxClientsPerProcess)));
    const std::string stem = "clients-" + group.name + "-" + std::to_string(part);
    plan.events_file = run_dir + "/events/" + stem + ".jsonl";
    plan.router_ids_file = run_dir + "/inputs/" + stem + ".ids";
    plan.process = {"clients " + group.name + "#" + std::to_string(part),
                    client_args(group, plan.router_ids_file, resolve, plan.events_file, source_net(process_counter++), ca)};
    if (verbose) {
      plan.process.args.push_back("--verbose");
      plan.process.echo_stdout = true;
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace

std::string vrrp_events_file(const std::string& run_dir, const std::string& node) {
  return run_dir + "/events/vrrp-" + node + ".jsonl";
}

std::string tls_dir(const std::string& run_dir) { return run_dir + "/tls"; }
std::string ca_file(const std::string& run_dir) { return tls_dir(run_dir) + "/ca.pem"; }
std::string node_certificate_file(const std::string& run_dir, const std::string& node) {
  return tls_dir(run_dir) + "/" + node + ".pem";
}
std::string node_key_file(const std::string& run_dir, const std::string& node) {
  return tls_dir(run_dir) + "/" + node + ".key";
}

std::string backend_certificate_file(const std::string& run_dir, const std::string& backend) {
  return tls_dir(run_dir) + "/backends/" + backend + ".pem";
}
std::string backend_key_file(const std::string& run_dir, const std::string& backend) {
  return tls_dir(run_dir) + "/backends/" + backend + ".key";
}

json::Json gateway_config(const scenario::Scenario& scenario, const scenario::Unit& unit, const scenario::Node& node,
                          const std::string& run_dir) {
  run::NodeFiles files{run_dir + "/state/" + node.name + ".rules.json", vrrp_events_file(run_dir, node.name),
                       node_certificate_file(run_dir, node.name), node_key_file(run_dir, node.name),
                       ca_file(run_dir)};
  return gateway::to_json(run::gateway_config_for(scenario, unit, node, files));
}

BackendPlan backend_plan(const scenario::Scenario& scenario, const std::string& unit_name,
                         const scenario::Backend& backend, const std::string& run_dir) {
  const scenario::Unit* unit = scenario.find_unit(unit_name);
  std::vector<std::string> args = {"backend",    "--label",  unit ? unit->label : unit_name,         "--name",
                                   backend.name, "--listen", endpoint(backend.address, backend.port)};
  if (backend.broadcast_interval.count() > 0)
    args.insert(args.end(), {"--interval", json::format_duration(backend.broadcast_interval)});
  if (!backend.announce_to_all) args.insert(args.end(), {"--announce", "self"});
  if (backend.message_size > 0) args.insert(args.end(), {"--message-size", std::to_string(backend.message_size)});
  if (scenario.tls_to_backends)
    args.insert(args.end(), {"--tls-certificate", backend_certificate_file(run_dir, backend.name), "--tls-key",
                             backend_key_file(run_dir, backend.name)});
  return {backend.name, unit_name, {"backend " + backend.name, args}};
}

std::string loopback_source_net(std::size_t process_index) {
  return "127." + std::to_string(100 + process_index % 100) + ".0.0/16";
}

LivePlan make_live_plan(const scenario::Scenario& scenario, const std::string& run_dir,
                        const std::set<std::string>& verbose_groups, std::string (*source_net)(std::size_t)) {
  LivePlan plan;
  plan.admin_token_file = run_dir + "/state/admin-token";
  for (const auto& unit : scenario.units) {
    std::string entry = join(run::unit_entry_points(unit), ",");
    plan.resolve.push_back(unit.subdomain + "=" + entry);
    if (unit.name == scenario.domain.cname) plan.resolve.push_back(scenario.domain.name + "=" + entry);
  }
  for (const auto& unit : scenario.units) {
    for (const auto& backend : unit.backends)
      plan.backends.push_back(backend_plan(scenario, unit.name, backend, run_dir));
    for (const auto& node : unit.nodes) {
      GatewayPlan gateway;
      gateway.node = node.name;
      gateway.unit = unit.name;
      gateway.admin = endpoint(node.address, node.admin_port);
      gateway.config = gateway_config(scenario, unit, node, run_dir);
      gateway.config_file = node.name + ".gateway.json";
      if (gateway.config.contains("vrrp")) gateway.vrrp_events_file = vrrp_events_file(run_dir, node.name);
      gateway.process = {
          "gateway " + node.name,
          {"gateway", "--config", run_dir + "/" + gateway.config_file, "--token-file", plan.admin_token_file}};
      plan.gateways.push_back(std::move(gateway));
    }
  }
  std::size_t process_counter = 0;
  for (const auto& group : scenario.clients) {
    auto processes = client_processes(group, plan.resolve, run_dir, process_counter,
                                      verbose_groups.count(group.name) != 0, source_net,
                                      scenario.tls ? ca_file(run_dir) : std::string());
    if (group.connect_at_start)
      plan.clients.insert(plan.clients.end(), processes.begin(), processes.end());
    else
      plan.waves[group.name] = std::move(processes);
  }
  return plan;
}

namespace {

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  return out ? std::string() : "cannot write " + path;
}

}  // namespace

std::string write_plan_files(const LivePlan& plan, const std::string& run_dir) {
  for (const auto& g : plan.gateways)
    if (auto error = write_file(run_dir + "/" + g.config_file, g.config.dump(2)); !error.empty()) return error;
  auto write_ids = [](const ClientsPlan& c) {
    std::string text;
    for (auto id : c.router_ids) text += std::to_string(id) + "\n";
    return write_file(c.router_ids_file, text);
  };
  for (const auto& c : plan.clients)
    if (auto error = write_ids(c); !error.empty()) return error;
  for (const auto& [group, wave] : plan.waves)
    for (const auto& c : wave)
      if (auto error = write_ids(c); !error.empty()) return error;
  return {};
}

}  // namespace wsfo::live
