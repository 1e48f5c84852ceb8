#include "core/run/part_plan.hpp"

#include <algorithm>

#include "core/vrrp/agent_config.hpp"

namespace wsfo::run {

namespace {

gateway::Endpoint endpoint(const std::string& address, std::uint16_t port) { return {address, port}; }

gateway::MissingPolicy missing_policy(const scenario::MissingRouterIdPolicy& missing) {
  switch (missing.kind) {
    case scenario::MissingRouterIdPolicy::Kind::local:
      return {gateway::MissingPolicyKind::local, ""};
    case scenario::MissingRouterIdPolicy::Kind::reject:
      return {gateway::MissingPolicyKind::reject, ""};
    case scenario::MissingRouterIdPolicy::Kind::unit:
      break;
  }
  return {gateway::MissingPolicyKind::unit, missing.unit};
}

std::vector<gateway::RouteConfig> routes_of(const scenario::Unit& unit) {
  std::vector<gateway::RouteConfig> routes;
  for (const auto& route : unit.routes) {
    gateway::RouteConfig config;
    config.prefix = route.prefix;
    for (const auto& name : route.backends)
      for (const auto& b : unit.backends)
        if (b.name == name) config.backends.push_back(endpoint(b.address, b.port));
    config.balance = route.balance == scenario::Balance::round_robin ? gateway::Balance::round_robin
                                                                     : gateway::Balance::router_id_hash;
    routes.push_back(std::move(config));
  }
  return routes;
}

}  // namespace

std::vector<std::string> unit_entry_points(const scenario::Unit& unit) {
  std::vector<std::string> out;
  for (const auto& vip : unit.vips) out.push_back(endpoint(vip.address, vip.port).text());
  if (out.empty())
    for (const auto& node : unit.nodes) out.push_back(endpoint(node.address, node.port).text());
  return out;
}

std::vector<std::string> certificate_names(const scenario::Scenario& scenario, const scenario::Unit& unit,
                                           const scenario::Node& node) {
  std::vector<std::string> names;
  auto add = [&names](const std::string& name) {
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  // The host of "wss://host[:port][/...]", as the scenario reader has checked it.
  const std::string& url = unit.public_url;
  const std::size_t start = url.find("://") == std::string::npos ? 0 : url.find("://") + 3;
  add(url.substr(start, url.find_first_of(":/", start) - start));
  add(unit.subdomain);
  if (scenario.domain.cname == unit.name) add(scenario.domain.name);
  add(node.address);
  for (const auto& vip : unit.vips)
    for (const auto& priority : vip.priorities)
      if (priority.node == node.name) add(vip.address);
  return names;
}

gateway::GatewayConfig gateway_config_for(const scenario::Scenario& scenario, const scenario::Unit& unit,
                                          const scenario::Node& node, const NodeFiles& files) {
  gateway::GatewayConfig config;
  config.node = node.name;
  config.unit = unit.name;
  config.listen = {endpoint(node.address, node.port)};
  config.admin = endpoint(node.address, node.admin_port);
  for (const auto& u : scenario.units) {
    gateway::UnitConfig entry{u.name, u.public_url, {}};
    for (const auto& n : u.nodes) entry.gateways.push_back(endpoint(n.address, n.port));
    config.units.push_back(std::move(entry));
  }
  config.correction = scenario.gateway.correction == scenario::Correction::redirect ? gateway::CorrectionMode::redirect
                                                                                    : gateway::CorrectionMode::proxy;
  if (scenario.gateway.browser_correction)
    config.browser_correction = *scenario.gateway.browser_correction == scenario::Correction::redirect
                                    ? gateway::CorrectionMode::redirect
                                    : gateway::CorrectionMode::proxy;
  config.router_id_sources = scenario.gateway.router_id.sources;
  config.missing = missing_policy(scenario.gateway.router_id.missing);
  config.rules = scenario.rules;
  config.routes = routes_of(unit);
  if (scenario.gateway.max_connections) config.limits.max_connections = *scenario.gateway.max_connections;
  if (scenario.gateway.max_handshakes_in_progress)
    config.limits.max_handshakes_in_progress = *scenario.gateway.max_handshakes_in_progress;
  config.state_file = files.state_file;
  if (scenario.tls)
    config.tls = gateway::TlsConfig{files.tls_certificate, files.tls_key, "1.2", files.tls_ca,
                                    scenario.tls_to_backends ? files.tls_ca : std::string()};
  std::string error;
  if (auto agent = vrrp::agent_config_for_node(scenario, node.name, error); agent && !agent->instances.empty()) {
    agent->events_file = files.vrrp_events_file;
    config.vrrp = std::move(*agent);
  }
  return config;
}

}  // namespace wsfo::run
