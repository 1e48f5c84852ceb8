#include "core/gateway/gateway_config.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "core/routing/rules_json.hpp"

namespace wsfo::gateway {

std::string Endpoint::text() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

namespace {

bool is_ipv4(std::string_view text) {
  int parts = 0;
  while (true) {
    auto dot = text.find('.');
    std::string_view part = text.substr(0, dot);
    if (part.empty() || part.size() > 3) return false;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || end != part.data() + part.size() || value > 255) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  return parts == 4;
}

bool is_ipv6_literal(std::string_view text) {
  if (text.empty() || text.find(':') == std::string_view::npos) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
  });
}

}  // namespace

std::optional<Endpoint> parse_endpoint(std::string_view text, bool allow_port_zero, std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    error = "expected \"address:port\", got \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (!is_ipv6_literal(host)) {
      error = "\"" + std::string(host) + "\" is not an IPv6 address";
      return std::nullopt;
    }
  } else if (!is_ipv4(host)) {
    error = "\"" + std::string(host) + "\" is not a numeric IPv4 address (or a bracketed IPv6 one)";
    return std::nullopt;
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 ||
      (port == 0 && !allow_port_zero)) {
    error = "port \"" + std::string(port_text) + "\" is not in " + (allow_port_zero ? "0" : "1") + "..65535";
    return std::nullopt;
  }
  return Endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

const UnitConfig* GatewayConfig::find_unit(std::string_view name) const {
  for (const auto& u : units)
    if (u.name == name) return &u;
  return nullptr;
}

std::vector<std::string> GatewayConfig::unit_names() const {
  std::vector<std::string> names;
  for (const auto& u : units) names.push_back(u.name);
  return names;
}

std::string_view to_string(CorrectionMode mode) { return mode == CorrectionMode::redirect ? "redirect" : "proxy"; }

CorrectionMode correction_for(const GatewayConfig& config, bool from_browser) {
  return from_browser && config.browser_correction ? *config.browser_correction : config.correction;
}
std::string_view to_string(Balance balance) {
  return balance == Balance::round_robin ? "round_robin" : "router_id_hash";
}

void apply_overrides(json::Json& document, const ConfigOverrides& overrides) {
  if (!document.is_object()) return;  // reported by the reader
  if (!overrides.listen.empty()) document["listen"] = overrides.listen;
  if (!overrides.node.empty()) document["node"] = overrides.node;
  if (!overrides.unit.empty()) document["unit"] = overrides.unit;
  if (!overrides.state_file.empty()) document["state_file"] = overrides.state_file;
  if (!overrides.admin.empty() || overrides.token || overrides.token_file || overrides.no_admin_auth) {
    if (!document.contains("admin") || !document["admin"].is_object()) document["admin"] = json::Json::object();
    json::Json& admin = document["admin"];
    if (!overrides.admin.empty()) admin["listen"] = overrides.admin;
    if (overrides.token || overrides.token_file || overrides.no_admin_auth) {
      admin.erase("token");
      admin.erase("token_file");
    }
    if (overrides.token) admin["token"] = *overrides.token;
    if (overrides.token_file) admin["token_file"] = *overrides.token_file;
  }
}

namespace {

using json::Json;
using json::ObjectReader;
using json::Problems;

std::optional<Endpoint> read_endpoint(const Json& value, const std::string& pointer, bool allow_zero,
                                      Problems& problems) {
  if (!value.is_string()) {
    problems.add(pointer, "expected an \"address:port\" string, got " + json::type_name(value));
    return std::nullopt;
  }
  std::string error;
  auto endpoint = parse_endpoint(value.get<std::string>(), allow_zero, error);
  if (!endpoint) problems.add(pointer, error);
  return endpoint;
}

std::vector<Endpoint> read_endpoints(const Json* list, const std::string& pointer, bool allow_zero,
                                     Problems& problems) {
  std::vector<Endpoint> endpoints;
  if (!list) return endpoints;
  for (std::size_t i = 0; i < list->size(); ++i)
    if (auto e = read_endpoint((*list)[i], json::pointer_append(pointer, i), allow_zero, problems))
      endpoints.push_back(*e);
  return endpoints;
}

bool valid_public_url(const std::string& url) {
  for (const char* scheme : {"ws://", "wss://", "http://", "https://"}) {
    std::string_view s(scheme);
    if (url.rfind(s, 0) == 0) {
      std::string_view rest = std::string_view(url).substr(s.size());
      return !rest.empty() && rest.front() != '/' && rest.find_first_of("?# ") == std::string_view::npos;
    }
  }
  return false;
}

void read_admin(ObjectReader& root, GatewayConfig& config, Problems& problems) {
  const Json* admin = root.object("admin", false);
  if (!admin) return;
  ObjectReader reader(*admin, root.pointer_of("admin"), problems);
  if (const Json* listen = reader.value("listen", false))
    if (auto e = read_endpoint(*listen, reader.pointer_of("listen"), true, problems)) config.admin = *e;
  auto token = reader.string("token", false);
  auto token_file = reader.string("token_file", false);
  if (token && token->empty())
    problems.add(reader.pointer_of("token"), "expected a non-empty token (leave it out to have one generated)");
  else if (token)
    config.admin_auth.token = *token;
  if (token_file && token_file->empty()) problems.add(reader.pointer_of("token_file"), "expected a file path");
  if (token && token_file)
    problems.add(reader.pointer_of("token_file"), "give the token or a file holding it, not both");
  else if (token_file)
    config.admin_token_file = *token_file;
  if (const Json* open = reader.array("open", false)) {
    config.admin_auth.open_paths.clear();
    for (std::size_t i = 0; i < open->size(); ++i) {
      const Json& path = (*open)[i];
      std::string pointer = json::pointer_append(reader.pointer_of("open"), i);
      bool openable = path.is_string() && std::find(std::begin(kOpenablePaths), std::end(kOpenablePaths),
                                                    path.get<std::string>()) != std::end(kOpenablePaths);
      if (!openable)
        problems.add(pointer, "only \"/health\" and \"/metrics\" may be open without the token, got " + path.dump());
      else
        config.admin_auth.open_paths.push_back(path.get<std::string>());
    }
  }
}

void read_units(ObjectReader& root, GatewayConfig& config, Problems& problems) {
  const Json* units = root.object("units", true);
  if (!units) return;
  std::string pointer = root.pointer_of("units");
  for (const auto& [name, value] : units->items()) {
    ObjectReader reader(value, json::pointer_append(pointer, name), problems);
    if (!reader.valid()) continue;
    UnitConfig unit;
    unit.name = name;
    unit.public_url = reader.string("public_url", true).value_or("");
    if (!unit.public_url.empty() && !valid_public_url(unit.public_url))
      problems.add(reader.pointer_of("public_url"),
                   "expected a URL like \"ws://host:port\" (scheme ws, wss, http or https, then a host; no query), "
                   "got \"" +
                       unit.public_url + "\"");
    unit.gateways = read_endpoints(reader.array("gateways", false), reader.pointer_of("gateways"), false, problems);
    config.units.push_back(std::move(unit));
  }
  if (config.units.empty()) problems.add(pointer, "expected at least one unit");
}

void read_router_id(ObjectReader& root, GatewayConfig& config, std::optional<std::int64_t>& modulus,
                    Problems& problems) {
  const Json* section = root.object("router_id", false);
  if (!section) return;
  ObjectReader reader(*section, root.pointer_of("router_id"), problems);
  if (const Json* sources = reader.array("sources", false)) {
    config.router_id_sources.clear();
    std::string pointer = reader.pointer_of("sources");
    for (std::size_t i = 0; i < sources->size(); ++i) {
      const Json& s = (*sources)[i];
      auto source = s.is_string() ? routing::router_id_source_from_string(s.get<std::string>()) : std::nullopt;
      if (!source) {
        problems.add(json::pointer_append(pointer, i), "expected \"header\", \"cookie\" or \"query\", got " + s.dump());
      } else if (std::find(config.router_id_sources.begin(), config.router_id_sources.end(), *source) !=
                 config.router_id_sources.end()) {
        problems.add(json::pointer_append(pointer, i), "source " + s.dump() + " is listed twice");
      } else {
        config.router_id_sources.push_back(*source);
      }
    }
    if (sources->empty()) problems.add(pointer, "expected at least one routerId source");
  }
  if (auto missing = reader.string("missing", false)) {
    if (*missing == "local")
      config.missing = {MissingPolicyKind::local, ""};
    else if (*missing == "reject")
      config.missing = {MissingPolicyKind::reject, ""};
    else
      config.missing = {MissingPolicyKind::unit, *missing};  // checked against the units below
  }
  modulus = reader.integer("modulus", false, 1, 1'000'000);
}

void read_routes(ObjectReader& root, GatewayConfig& config, Problems& problems) {
  const Json* routes = root.array("routes", true);
  if (!routes) return;
  std::string pointer = root.pointer_of("routes");
  std::set<std::string> prefixes;
  for (std::size_t i = 0; i < routes->size(); ++i) {
    ObjectReader reader((*routes)[i], json::pointer_append(pointer, i), problems);
    if (!reader.valid()) continue;
    RouteConfig route;
    route.prefix = reader.string("prefix", true).value_or("/");
    if (route.prefix.empty() || route.prefix.front() != '/')
      problems.add(reader.pointer_of("prefix"), "a URI prefix must start with '/', got \"" + route.prefix + "\"");
    else if (!prefixes.insert(route.prefix).second)
      problems.add(reader.pointer_of("prefix"), "prefix \"" + route.prefix + "\" is routed twice");
    const Json* backends = reader.array("backends", true);
    route.backends = read_endpoints(backends, reader.pointer_of("backends"), false, problems);
    if (backends && backends->empty()) problems.add(reader.pointer_of("backends"), "expected at least one backend");
    auto balance = reader.choice("balance", false, {"round_robin", "router_id_hash"});
    if (balance == "router_id_hash") route.balance = Balance::router_id_hash;
    config.routes.push_back(std::move(route));
  }
  if (routes->empty()) problems.add(pointer, "expected at least one route");
}

template <class T>
void size_limit(ObjectReader& reader, const char* key, T& target, std::int64_t min, std::int64_t max) {
  if (auto v = reader.integer(key, false, min, max)) target = static_cast<T>(*v);
}

void duration_limit(ObjectReader& reader, const char* key, std::chrono::nanoseconds& target, bool allow_zero) {
  auto v = reader.duration(key, false);
  if (!v) return;
  if (*v < std::chrono::nanoseconds::zero() || (*v == std::chrono::nanoseconds::zero() && !allow_zero))
    reader.problems().add(reader.pointer_of(key), std::string("expected a ") +
                                                      (allow_zero ? "non-negative" : "positive") + " duration, got " +
                                                      json::format_duration(*v));
  else
    target = *v;
}

void read_limits(ObjectReader& root, Limits& limits, Problems& problems) {
  const Json* section = root.object("limits", false);
  if (!section) return;
  ObjectReader reader(*section, root.pointer_of("limits"), problems);
  size_limit(reader, "max_connections", limits.max_connections, 1, 10'000'000);
  size_limit(reader, "max_handshakes_in_progress", limits.max_handshakes_in_progress, 1, 1'000'000);
  size_limit(reader, "max_header_bytes", limits.max_header_bytes, 256, 1 << 20);
  size_limit(reader, "relay_buffer_bytes", limits.relay_buffer_bytes, 1024, 1 << 24);
  size_limit(reader, "max_message_bytes", limits.max_message_bytes, 0, std::int64_t{1} << 40);
  duration_limit(reader, "handshake_timeout", limits.handshake_timeout, false);
  duration_limit(reader, "evict_heads_after", limits.evict_heads_after, false);
  duration_limit(reader, "idle_timeout", limits.idle_timeout, false);
  duration_limit(reader, "drain_timeout", limits.drain_timeout, true);
  duration_limit(reader, "fail_timeout", limits.fail_timeout, true);
  duration_limit(reader, "connect_timeout", limits.connect_timeout, false);
  duration_limit(reader, "close_timeout", limits.close_timeout, false);
  duration_limit(reader, "retry_after", limits.retry_after, true);
}

void read_tls(ObjectReader& root, GatewayConfig& config, Problems& problems) {
  const Json* section = root.object("tls", false);
  if (!section) return;
  ObjectReader tls(*section, root.pointer_of("tls"), problems);
  if (!tls.valid()) return;
  TlsConfig read;
  read.certificate_file = tls.string("certificate", true).value_or("");
  read.key_file = tls.string("key", true).value_or("");
  if (auto version = tls.choice("min_version", false, {"1.2", "1.3"})) read.min_version = *version;
  read.gateways_ca_file = tls.string("gateways_ca", false).value_or("");
  read.backends_ca_file = tls.string("backends_ca", false).value_or("");
  config.tls = read;
}

// Checks that need several sections at once.
void cross_check(const ObjectReader& root, const GatewayConfig& config, Problems& problems) {
  if (!config.unit.empty() && !config.find_unit(config.unit))
    problems.add(root.pointer_of("unit"), "unit \"" + config.unit + "\" is not defined in /units");
  if (config.missing.kind == MissingPolicyKind::unit && !config.find_unit(config.missing.unit))
    problems.add("/router_id/missing",
                 "expected \"local\", \"reject\" or a unit defined in /units, got \"" + config.missing.unit + "\"");
  const bool browser_proxy = config.browser_correction == CorrectionMode::proxy;
  if (config.correction == CorrectionMode::proxy || browser_proxy)
    for (const auto& u : config.units)
      if (u.name != config.unit && u.gateways.empty())
        problems.add(json::pointer_append(root.pointer_of("units"), u.name),
                     std::string(browser_proxy ? "browser_correction" : "correction") +
                         " \"proxy\" needs the gateways of unit \"" + u.name + "\"");
}

std::optional<GatewayConfig> read_unchecked(const Json& document, Problems& problems) {
  ObjectReader root(document, "", problems);
  if (!root.valid()) return std::nullopt;
  GatewayConfig config;
  config.node = root.string("node", true).value_or("");
  config.unit = root.string("unit", true).value_or("");
  const Json* listen = root.array("listen", true);
  config.listen = read_endpoints(listen, root.pointer_of("listen"), true, problems);
  if (listen && listen->empty()) problems.add(root.pointer_of("listen"), "expected at least one listen address");
  read_admin(root, config, problems);
  read_units(root, config, problems);
  if (root.choice("correction", false, {"redirect", "proxy"}) == "proxy") config.correction = CorrectionMode::proxy;
  if (auto browsers = root.choice("browser_correction", false, {"redirect", "proxy"}))
    config.browser_correction = *browsers == "proxy" ? CorrectionMode::proxy : CorrectionMode::redirect;
  std::optional<std::int64_t> modulus;
  read_router_id(root, config, modulus, problems);
  if (const Json* rules = root.object("rules", true)) {
    auto read = routing::read_rules(*rules, root.pointer_of("rules"), problems, config.unit_names());
    if (read) config.rules = *read;
    if (read && modulus && static_cast<std::uint32_t>(*modulus) != read->modulus())
      problems.add("/router_id/modulus", "modulus " + std::to_string(*modulus) + " differs from the rules' modulus " +
                                             std::to_string(read->modulus()));
  }
  read_routes(root, config, problems);
  config.state_file = root.string("state_file", false).value_or("");
  read_limits(root, config.limits, problems);
  if (const Json* vrrp = root.object("vrrp", false))
    config.vrrp = vrrp::read_agent_config(*vrrp, root.pointer_of("vrrp"), problems);
  read_tls(root, config, problems);
  cross_check(root, config, problems);
  return config;
}

}  // namespace

std::optional<GatewayConfig> read_gateway_config(const json::Json& document, json::Problems& problems) {
  return json::read_strictly(problems, [&] { return read_unchecked(document, problems); });
}

std::optional<GatewayConfig> load_gateway_config(const std::string& path, const ConfigOverrides& overrides,
                                                 json::Problems& problems) {
  std::ifstream in(path);
  if (!in) {
    problems.add("", "cannot read file '" + path + "'");
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto document = json::parse(text.str(), problems);
  if (!document) return std::nullopt;
  apply_overrides(*document, overrides);
  auto config = read_gateway_config(*document, problems);
  if (config && overrides.no_admin_auth) config->admin_auth.required = false;
  return config;
}

}  // namespace wsfo::gateway
