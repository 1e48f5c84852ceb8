#pragma once
// nginx.conf for one gateway node of a scenario (docs/real-stack.md): the
// real-stack engine plays a node as plain nginx, so the same scenario runs
// against the stack its users deploy. Pure text rendering: the engine writes
// the file, starts nginx and maps the scenario's addresses.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/scenario/scenario.hpp"

namespace wsfo::stack {

// A scenario address (127.x) → the address the real stack uses for it.
using AddressMapper = std::function<std::string(const std::string& loopback_address)>;

struct NginxFiles {        // all absolute paths, in the run directory
  std::string prefix_dir;  // nginx -p: temp directories go under it
  std::string pid_file;
  std::string error_log;
  std::string access_log;
  // With the scenario's "tls": every listener speaks TLS with this node's
  // certificate and key (PEM, made by the run); both empty: plain.
  std::string tls_certificate{};
  std::string tls_key{};
  // With the scenario's "tls_to_backends": the run's CA; every route's
  // backends are then reached over TLS, verified against it for the address
  // dialed. Empty: plain http to the backends.
  std::string backends_ca{};
};

struct NginxOptions {
  std::size_t workers = 1;
  std::optional<scenario::Duration> worker_shutdown_timeout;  // how long a reload's old workers may keep connections
  // Clients that may reach this node at once (Scenario::client_count()): sizes
  // worker_connections and the descriptor limit; 0 leaves nginx's 1024.
  std::uint64_t clients = 0;
};

// nginx.conf of `node` of `unit`, with `unit`'s current backends and routes.
// "" with `error` naming the first thing nginx cannot express (a balance it
// has no equivalent for, a route without backends, a name nginx would read
// as syntax, ...).
std::string render_nginx_config(const scenario::Unit& unit, const scenario::Node& node, const AddressMapper& map,
                                const NginxFiles& files, const NginxOptions& options, std::string& error);

}  // namespace wsfo::stack
