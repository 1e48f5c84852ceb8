#pragma once
// One gateway node process (`wsfo gateway`): handshake listeners, relay,
// admin API, persisted rules, graceful SIGTERM. Asio and Beast stay behind
// this interface.
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/gateway/gateway_config.hpp"

namespace wsfo::gateway {

class GatewayServer {
 public:
  // `log` receives one line per notable event (stderr in the CLI).
  GatewayServer(GatewayConfig config, std::ostream& log);
  ~GatewayServer();
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // The file SIGHUP and `POST /reload` re-read for new routes (call before
  // start()); without it a reload is refused.
  void reload_from(std::string config_path, ConfigOverrides overrides);

  // Restores the persisted rules and binds every listener. Returns "" or
  // what failed; `config_error` tells a bad state file from an I/O failure.
  std::string start(bool& config_error);

  std::vector<Endpoint> listen_endpoints() const;  // as bound
  Endpoint admin_endpoint() const;

  // Runs until a graceful shutdown completes. With `handle_signals`,
  // SIGTERM and SIGINT start one, and SIGHUP reloads the routes.
  void run(bool handle_signals);
  // Starts a graceful shutdown from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsfo::gateway
