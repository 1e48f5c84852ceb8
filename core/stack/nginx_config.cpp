#include "core/stack/nginx_config.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

#include "core/gateway/gateway_config.hpp"
#include "core/stack/config_text.hpp"

namespace wsfo::stack {

namespace {

std::string milliseconds(scenario::Duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(duration).count()) + "ms";
}

// For the few directives nginx reads in whole seconds (a server's fail_timeout), rounded up.
std::string whole_seconds(scenario::Duration duration) {
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(duration).count();
  return std::to_string(std::max<long long>(1, seconds)) + "s";
}

const scenario::Backend* backend_named(const scenario::Unit& unit, const std::string& name) {
  auto it = std::find_if(unit.backends.begin(), unit.backends.end(),
                         [&](const scenario::Backend& backend) { return backend.name == name; });
  return it == unit.backends.end() ? nullptr : &*it;
}

bool has_root_route(const scenario::Unit& unit) {
  return std::any_of(unit.routes.begin(), unit.routes.end(), [](const scenario::Route& r) { return r.prefix == "/"; });
}

// The node's port and those of the VIPs it may hold.
std::set<std::uint16_t> listen_ports(const scenario::Unit& unit, const scenario::Node& node) {
  std::set<std::uint16_t> ports{node.port};
  for (const auto& vip : unit.vips)
    for (const auto& priority : vip.priorities)
      if (priority.node == node.name) ports.insert(vip.port);
  return ports;
}

// Every value that lands in the file as a word nginx could misread (a name,
// a path, a mapped address) is checked once here.
bool check_words(const scenario::Unit& unit, const scenario::Node& node, const NginxFiles& files, std::string& error) {
  const std::pair<std::string, const std::string*> words[] = {
      {"unit name", &unit.name},     {"node name", &node.name},       {"prefix_dir", &files.prefix_dir},
      {"pid_file", &files.pid_file}, {"error_log", &files.error_log}, {"access_log", &files.access_log},
  };
  if (files.tls_certificate.empty() != files.tls_key.empty()) {
    error = "TLS needs both a certificate and a key file, got only the " +
            std::string(files.tls_key.empty() ? "certificate" : "key");
    return false;
  }
  if (!files.tls_certificate.empty() && (!check_config_word(files.tls_certificate, "tls certificate", error) ||
                                         !check_config_word(files.tls_key, "tls key", error)))
    return false;
  if (!files.backends_ca.empty() && !check_config_word(files.backends_ca, "backends CA", error)) return false;
  for (const auto& [what, value] : words)
    if (!check_config_word(*value, what, error)) return false;
  for (const auto& route : unit.routes) {
    if (route.prefix.empty() || route.prefix[0] != '/') {
      error = "route prefix \"" + route.prefix + "\" does not start with '/'";
      return false;
    }
    if (!check_config_word(route.prefix, "route prefix", error)) return false;
  }
  return true;
}

// One upstream block per route, servers in the route's order. Each server is
// marked down for the gateway's fail_timeout after one failure, as wsfo's
// gateway does (gateway::BackendGroup::mark_failed).
bool render_upstreams(const scenario::Unit& unit, const AddressMapper& map, std::ostringstream& out,
                      std::string& error) {
  const gateway::Limits limits;
  for (std::size_t i = 0; i < unit.routes.size(); ++i) {
    const auto& route = unit.routes[i];
    if (route.balance != scenario::Balance::round_robin) {
      error =
          "route \"" + route.prefix +
          "\": balance router-id-hash has no nginx equivalent (nginx hashes cannot reproduce wsfo's routerId slots)";
      return false;
    }
    if (route.backends.empty()) {
      error = "route \"" + route.prefix + "\" has no backend: nginx needs at least one server per upstream";
      return false;
    }
    out << "  upstream route_" << i << " {  # " << route.prefix << "\n";
    for (const auto& name : route.backends) {
      const scenario::Backend* backend = backend_named(unit, name);
      if (!backend) {
        error = "route \"" + route.prefix + "\" names backend \"" + name + "\", which unit \"" + unit.name +
                "\" does not have";
        return false;
      }
      const std::string address = map(backend->address);
      if (address.empty() || !check_config_word(address, "address of backend " + name, error)) {
        if (error.empty()) error = "backend " + name + ": no mapped address for " + backend->address;
        return false;
      }
      out << "    server " << address << ":" << backend->port
          << " max_fails=1 fail_timeout=" << whole_seconds(limits.fail_timeout) << ";  # " << name << "\n";
    }
    out << "  }\n";
  }
  return true;
}

// Re-encrypting to the backends: nginx checks a proxied server's certificate
// for proxy_ssl_name, one name per location, while each backend's names its
// own address. The name is the address of the server being tried: the last
// of $upstream_addr ("a:p, b:p" after a retry), re-read at each handshake
// (the map is volatile: a cached value would check a retry against the name
// of the server that failed, and fail the good one too).
void render_backend_tls(const NginxFiles& files, std::ostringstream& out) {
  if (files.backends_ca.empty()) return;
  out << "      proxy_ssl_verify on;\n"
      << "      proxy_ssl_trusted_certificate " << files.backends_ca << ";\n"
      << "      proxy_ssl_protocols TLSv1.2 TLSv1.3;\n"
      << "      proxy_ssl_name $wsfo_backend_address;\n"
      << "      proxy_ssl_server_name off;  # no SNI for an IP address (RFC 6066)\n";
}

void render_location(const scenario::Unit& unit, const scenario::Node& node, const NginxFiles& files,
                     const std::string& prefix, std::size_t route_index, std::ostringstream& out) {
  const gateway::Limits limits;
  out << "    location " << prefix << " {\n"
      << "      proxy_pass " << (files.backends_ca.empty() ? "http" : "https") << "://route_" << route_index << ";\n";
  render_backend_tls(files, out);
  out << "      proxy_http_version 1.1;\n"
      << "      proxy_set_header Upgrade $http_upgrade;\n"
      << "      proxy_set_header Connection $connection_upgrade;\n"
      << "      proxy_set_header Host $host;\n"
      << "      proxy_set_header X-Wsfo-Node \"" << node.name << "\";\n"
      << "      proxy_buffering off;\n"
      << "      proxy_next_upstream error timeout;\n"
      << "      proxy_connect_timeout " << milliseconds(limits.connect_timeout)
      << ";\n"
      // The scenario gives the gateway no idle timeout of its own: every live
      // run's wsfo gateway closes a relayed connection after gateway::Limits'
      // idle_timeout without a byte either way, so nginx gets the same. A
      // client's heartbeat timeout is the client's own detection, not the
      // gateway's: closing at it would cut quiet clients without heartbeats
      // that wsfo's gateway keeps.
      << "      proxy_read_timeout " << milliseconds(limits.idle_timeout) << ";\n"
      << "      proxy_send_timeout " << milliseconds(limits.idle_timeout) << ";\n"
      << "      add_header X-Wsfo-Unit \"" << unit.name << "\" always;\n"
      << "      add_header X-Wsfo-Node \"" << node.name << "\" always;\n"
      << "    }\n";
}

}  // namespace

std::string render_nginx_config(const scenario::Unit& unit, const scenario::Node& node, const AddressMapper& map,
                                const NginxFiles& files, const NginxOptions& options, std::string& error) {
  error.clear();
  if (options.workers < 1) {
    error = "nginx needs at least one worker process";
    return {};
  }
  if (!check_words(unit, node, files, error)) return {};
  // A proxied WebSocket holds two connections in its worker: the client's and
  // the backend's; after a reload the old workers still hold theirs, but any
  // one worker serves at most every client.
  const std::uint64_t connections = std::max<std::uint64_t>(1024, 2 * options.clients + 256);
  std::ostringstream out;
  out << "# nginx.conf of node \"" << node.name << "\" of unit \"" << unit.name
      << "\", rendered by wsfo from the scenario (docs/real-stack.md).\n"
      << "daemon off;  # the engine runs the master in the foreground\n"
      << "master_process on;\n"
      << "worker_processes " << options.workers << ";\n"
      << "worker_rlimit_nofile " << connections + 1024 << ";\n";
  if (options.worker_shutdown_timeout)
    out << "worker_shutdown_timeout " << milliseconds(*options.worker_shutdown_timeout) << ";\n";
  out << "pid " << files.pid_file << ";\n"
      << "error_log " << files.error_log << " notice;\n"
      << "events {\n  worker_connections " << connections << ";\n}\n"
      << "http {\n"
      << "  log_format wsfo '$remote_addr [$time_local] \"$request\" $status $upstream_addr $request_time';\n"
      << "  access_log " << files.access_log << " wsfo;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    out << "  " << temp << "_temp_path " << files.prefix_dir << "/" << temp << "_temp;\n";
  out << "  map $http_upgrade $connection_upgrade {\n    default upgrade;\n    '' close;\n  }\n";
  if (!files.backends_ca.empty())
    out << "  map $upstream_addr $wsfo_backend_address {\n    volatile;\n"
        << "    \"~(?<wsfo_address>[^ ,]+):[0-9]+$\" $wsfo_address;\n  }\n";
  if (!render_upstreams(unit, map, out, error)) return {};
  // The wildcard address: a backup node's nginx listens before it holds the
  // VIP, and answers on it as soon as keepalived adds it.
  out << "  server {\n";
  const bool tls = !files.tls_certificate.empty();
  for (auto port : listen_ports(unit, node))
    out << "    listen " << port << (tls ? " ssl" : "") << " backlog=" << std::max<std::uint64_t>(511, options.clients)
        << ";\n";
  // As wsfo's gateway by default: TLS 1.2 and 1.3 only.
  if (tls)
    out << "    ssl_certificate " << files.tls_certificate << ";\n"
        << "    ssl_certificate_key " << files.tls_key << ";\n"
        << "    ssl_protocols TLSv1.2 TLSv1.3;\n";
  for (std::size_t i = 0; i < unit.routes.size(); ++i)
    render_location(unit, node, files, unit.routes[i].prefix, i, out);
  if (!has_root_route(unit)) out << "    location / {\n      return 404;\n    }\n";
  out << "  }\n}\n";
  return out.str();
}

}  // namespace wsfo::stack
