#pragma once
// Internal to gateway/: everything one gateway node holds, shared by the
// handshake server, the relay, and the admin API. All of it runs on one
// io_context thread, so nothing here is locked.
#include <utility>  // Boost 1.74's asio needs it first
//
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/gateway/backend_pool.hpp"
#include "core/gateway/gateway_config.hpp"
#include "core/gateway/metrics.hpp"
#include "core/gateway/rules_state.hpp"
#include "tls/contexts.hpp"
#include "gateway/connection_registry.hpp"
#include "gateway/pending_heads.hpp"
#include "gateway/readiness_poller.hpp"

namespace wsfo::gateway {

class NodeVrrp;  // gateway/vrrp_node.hpp

namespace net = boost::asio;
using tcp = net::ip::tcp;

// A client behind the node's TLS front (gateway/tls_front.hpp): its
// handshake and relay read and write one end of a socketpair, so they carry
// the client's own address (X-Forwarded-For) and TCP descriptor (VIP
// release, orphan resets) along. Empty for a plain client.
struct ClientTransport {
  std::optional<tcp::endpoint> peer;
  int tcp_descriptor = -1;
};

struct AdminRequest {
  std::string method;
  std::string target;
  std::string authorization;  // the Authorization header, if any
  std::string body;
};

struct AdminReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class GatewayNode {
 public:
  GatewayNode(net::io_context& io, GatewayConfig config, RulesState rules, std::ostream& log);

  net::io_context& io;
  GatewayConfig config;  // its routes change on a reload (config_reload.cpp), nothing else does
  RulesState rules;
  Metrics metrics;
  PendingHeads pending_heads{metrics};  // handshakes still reading their request head (handshake.cpp)
  // Replaced whole by a reload; a handshake choosing a backend holds its pool.
  std::shared_ptr<BackendPool> backends;
  std::map<std::string, BackendGroup> unit_gateways;  // cross-unit `proxy` correction targets
  ConnectionRegistry registry;
  ReadinessPoller readiness;        // the relayed sockets' read-readiness (relay.cpp)
  std::size_t upstream_setups = 0;  // proxied handshakes not yet relaying; they count toward the limit
  bool serving = true;
  bool shutting_down = false;
  bool powered_off = false;  // emulating a dead host until the process is restarted
  // Admin API faults (POST /faults; SIGUSR1 lifts them): its listener closed
  // (connections refused), or every request answered this late.
  bool admin_unreachable = false;
  std::chrono::milliseconds admin_delay{0};
  std::optional<std::uint64_t> discarded_pending;  // reported after a restart
  std::ostream& log;

  std::vector<tcp::endpoint> listen_endpoints;  // as bound (ephemeral ports resolved)
  // Shared with the accept loops, which may still be suspended on a closed one.
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  tcp::endpoint admin_endpoint;
  std::shared_ptr<tcp::acceptor> admin_acceptor;
  std::shared_ptr<NodeVrrp> vrrp;  // the embedded VRRP agent, when the config has a `vrrp` section
  std::shared_ptr<tls::Context> tls;  // when the config has a `tls` section: every listener speaks TLS
  std::shared_ptr<tls::Context> gateways_tls;  // with `tls.gateways_ca`: how other units' gateways are verified
  std::shared_ptr<tls::Context> backends_tls;  // with `tls.backends_ca`: how this unit's backends are verified

  MonotonicTime now() const;
  std::size_t live_connections() const { return registry.size() + upstream_setups; }

  // gateway_server.cpp
  void accept_connection(tcp::socket socket);  // handshake, routing, relay (own and VIP listeners)
  // A connection counted in pending_heads: its request head, routing, relay.
  void start_handshake(tcp::socket socket, ClientTransport transport = {});
  // Runs a connection's task on the node's io_context; a failure is logged.
  void spawn_task(net::awaitable<void> task);
  std::string open_listeners();                // "" or why it failed
  void close_listeners();
  std::string set_serving(bool serve, bool drop_connections);  // "" or why listening failed
  void begin_shutdown();
  // node_power_off.cpp: POST /faults {"power_off": true}.
  void power_off();

  // admin_routes.cpp
  AdminReply handle_admin(const AdminRequest& request);
  std::string persist_rules(const RulesState& state);  // "" or why it failed; no-op without a state file
  void sync_rules_metrics();

  // admin_api.cpp
  std::string open_admin();       // "" or why it failed
  void make_admin_unreachable();  // closes its listener once the current answer is on its way
  void restore_admin();           // SIGUSR1: listening again, on the same address, answering promptly

  // config_reload.cpp: the config file a reload re-reads (SIGHUP, POST /reload).
  struct ConfigFile {
    std::string path;
    ConfigOverrides overrides;
    json::Json running;  // the document the running config came from (routes updated by reloads)
  };
  std::optional<ConfigFile> config_file;
  std::string watch_config_file(std::string path, ConfigOverrides overrides);  // "" or why it cannot be read
  // Re-reads the routes and swaps the backend pool; relayed connections stay.
  AdminReply reload_config();
};

// Log line prefix: "gateway <node>: ".
std::ostream& log_line(GatewayNode& node);

}  // namespace wsfo::gateway
