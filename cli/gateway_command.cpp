// `wsfo gateway --config FILE`: one gateway node process.
#include <iostream>

#include "cli/commands.hpp"
#include "core/gateway/gateway_config.hpp"
#include "gateway/admin_token.hpp"
#include "gateway/gateway_server.hpp"

namespace wsfo::cli {

namespace {

std::string join(const std::vector<gateway::Endpoint>& endpoints) {
  std::string text;
  for (const auto& e : endpoints) text += (text.empty() ? "" : ",") + e.text();
  return text;
}

// Where a failed start is in the exit-code table. A bad state file is
// flagged by start(); an address the gateway cannot take (a listener, the
// admin API, the VRRP advert socket) is a part that failed to start, named by
// start()'s message ("cannot listen ...", "cannot bind ..."); what is left
// is a file it could not open or write (the state file, the VRRP events file).
int start_failure_exit(const std::string& error, bool config_error) {
  if (config_error) return kInvalidInput;
  for (const char* taken : {"cannot listen", "cannot bind"})
    if (error.starts_with(taken)) return kCannotStart;
  return kIoError;
}

int run_gateway(const std::string& path, const gateway::ConfigOverrides& overrides) {
  if (!readable_or_say("wsfo gateway", path)) return kIoError;
  json::Problems problems;
  auto config = gateway::load_gateway_config(path, overrides, problems);
  if (!config) {
    for (const auto& p : problems.list()) std::cerr << path << ": " << json::format(p) << "\n";
    return kInvalidInput;
  }
  // A certificate, key or CA file it cannot read is a file error, not a TLS set-up that failed.
  if (const auto& tls = config->tls)
    for (const std::string& file : {tls->certificate_file, tls->key_file, tls->gateways_ca_file, tls->backends_ca_file})
      if (!file.empty() && !readable_or_say("wsfo gateway: tls", file)) return kIoError;
  // Before anything is bound or written: an open admin API only where no
  // other host can reach it.
  if (!config->admin_auth.required && !gateway::is_loopback_host(config->admin.host)) {
    std::cerr << "wsfo gateway: --no-admin-auth is refused: the admin API would listen on " << config->admin.text()
              << ", which is not a loopback address (127.0.0.0/8 or ::1); anyone who reaches it could cut over or "
                 "stop this node\n";
    return kUsage;
  }
  if (std::string error = gateway::settle_admin_token(*config, path, std::cerr); !error.empty()) {
    std::cerr << "wsfo gateway: " << error << "\n";
    return kIoError;
  }
  gateway::GatewayServer server(*config, std::cerr);
  server.reload_from(path, overrides);
  bool config_error = false;
  if (std::string error = server.start(config_error); !error.empty()) {
    std::cerr << "wsfo gateway: " << error << "\n";
    return start_failure_exit(error, config_error);
  }
  std::cout << "ready " << join(server.listen_endpoints()) << " admin " << server.admin_endpoint().text() << std::endl;
  server.run(true);
  return kOk;
}

}  // namespace

void add_gateway_commands(CLI::App& app, int& exit_code) {
  auto* command = app.add_subcommand("gateway", "Run one gateway node: routerId routing, relay, admin API");
  static std::string config_path;
  static gateway::ConfigOverrides overrides;
  static std::string token;
  static std::string token_file;
  command->add_option("--config", config_path, "Gateway config (JSON, see docs/gateway-config.md)")
      ->required();
  command
      ->add_option("--listen", overrides.listen, "Listen address(es) HOST:PORT, replacing the config's (port 0: any)")
      ->delimiter(',');
  command->add_option("--admin", overrides.admin, "Admin API address HOST:PORT");
  command->add_option("--node", overrides.node, "Node name");
  command->add_option("--unit", overrides.unit, "The unit this gateway belongs to");
  auto* token_option = command->add_option(
      "--token", token, "Bearer token required by the admin API (visible in `ps` to every user: prefer --token-file)");
  auto* token_file_option = command->add_option(
      "--token-file", token_file,
      "File whose first line is the admin API's bearer token (without a token, one is generated and written "
      "beside the state file or the config)");
  auto* no_auth_option = command->add_flag("--no-admin-auth", overrides.no_admin_auth,
                                           "Admin API without a token (refused unless the admin address is loopback)");
  token_option->excludes(token_file_option);
  no_auth_option->excludes(token_option)->excludes(token_file_option);
  command->add_option("--state-file", overrides.state_file, "Where the rules state is persisted");
  command->description(
      std::string(command->get_description()) + ". " +

      "Prints `ready <listen,...> admin <addr:port>` on stdout once listening. The admin API needs a bearer "
      "token: without --token-file, --token or admin.token one is generated and written (mode 0600) to "
      "<node>.admin-token beside the state file, or beside the config without one, and its path printed on "
      "stderr; /health and /metrics stay open unless admin.open says otherwise. SIGTERM/SIGINT: stop accepting, "
      "let connections drain for limits.drain_timeout, then close the rest with 1001. SIGHUP (or POST /reload): "
      "re-read the config file's routes and backends; relayed connections stay open. Exit: 0 after a graceful "
      "stop, 2 an invalid config or state file or an address it cannot listen on, 3 a config, state or token "
      "file it cannot read or write.");
  command->callback([&exit_code, token_option, token_file_option] {
    if (token_option->count() > 0) {
      std::cerr << "wsfo gateway: warning: --token shows the admin token to every user of this machine (`ps`); "
                   "use --token-file\n";
      overrides.token = token;
    }
    if (token_file_option->count() > 0) overrides.token_file = token_file;
    exit_code = run_gateway(config_path, overrides);
  });
}

}  // namespace wsfo::cli
