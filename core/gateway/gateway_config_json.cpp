#include "core/gateway/gateway_config_json.hpp"

#include "core/routing/rules_json.hpp"

namespace wsfo::gateway {

namespace {

using json::Json;

Json endpoints(const std::vector<Endpoint>& list) {
  Json out = Json::array();
  for (const auto& e : list) out.push_back(e.text());
  return out;
}

Json router_id_section(const GatewayConfig& config) {
  Json sources = Json::array();
  for (auto source : config.router_id_sources) sources.push_back(std::string(routing::to_string(source)));
  std::string missing = config.missing.kind == MissingPolicyKind::local    ? "local"
                        : config.missing.kind == MissingPolicyKind::reject ? "reject"
                                                                           : config.missing.unit;
  return {{"sources", sources}, {"missing", missing}, {"modulus", config.rules.modulus()}};
}

Json limits_section(const Limits& l) {
  auto d = [](std::chrono::nanoseconds value) { return json::format_duration(value); };
  return {{"max_connections", l.max_connections},    {"handshake_timeout", d(l.handshake_timeout)},
          {"max_header_bytes", l.max_header_bytes},  {"idle_timeout", d(l.idle_timeout)},
          {"drain_timeout", d(l.drain_timeout)},     {"fail_timeout", d(l.fail_timeout)},
          {"connect_timeout", d(l.connect_timeout)}, {"close_timeout", d(l.close_timeout)},
          {"retry_after", d(l.retry_after)},         {"relay_buffer_bytes", l.relay_buffer_bytes}};
}

}  // namespace

Json to_json(const GatewayConfig& config) {
  Json units = Json::object();
  for (const auto& u : config.units)
    units[u.name] = {{"public_url", u.public_url}, {"gateways", endpoints(u.gateways)}};
  Json routes = Json::array();
  for (const auto& r : config.routes)
    routes.push_back({{"prefix", r.prefix}, {"backends", endpoints(r.backends)}, {"balance", to_string(r.balance)}});
  Json admin = {{"listen", config.admin.text()}};
  if (!config.admin_auth.token.empty()) admin["token"] = config.admin_auth.token;
  if (!config.admin_token_file.empty() && config.admin_auth.token.empty())
    admin["token_file"] = config.admin_token_file;
  if (config.admin_auth.open_paths != AdminAuth{}.open_paths) admin["open"] = config.admin_auth.open_paths;
  Json document = {{"node", config.node},
                   {"unit", config.unit},
                   {"listen", endpoints(config.listen)},
                   {"admin", admin},
                   {"units", units},
                   {"correction", to_string(config.correction)},
                   {"router_id", router_id_section(config)},
                   {"rules", routing::to_json(config.rules)},
                   {"routes", routes},
                   {"limits", limits_section(config.limits)}};
  if (config.browser_correction) document["browser_correction"] = to_string(*config.browser_correction);
  if (!config.state_file.empty()) document["state_file"] = config.state_file;
  if (config.vrrp) document["vrrp"] = vrrp::to_json(*config.vrrp);
  if (config.tls)
    document["tls"] = {{"certificate", config.tls->certificate_file},
                       {"key", config.tls->key_file},
                       {"min_version", config.tls->min_version}};
  if (config.tls && !config.tls->gateways_ca_file.empty()) document["tls"]["gateways_ca"] = config.tls->gateways_ca_file;
  if (config.tls && !config.tls->backends_ca_file.empty())
    document["tls"]["backends_ca"] = config.tls->backends_ca_file;
  return document;
}

}  // namespace wsfo::gateway
