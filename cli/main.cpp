#include <iostream>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"wsfo: a simulation and test harness for active-active WebSocket failover", "wsfo"};
  app.set_version_flag("--version", std::string("wsfo ") + WSFO_VERSION);
  app.require_subcommand(1);
  int exit_code = wsfo::cli::kOk;
  wsfo::cli::add_rules_commands(app, exit_code);
  wsfo::cli::add_run_commands(app, exit_code);
  wsfo::cli::add_demo_commands(app, exit_code);
  wsfo::cli::add_cutover_commands(app, exit_code);
  wsfo::cli::add_backend_commands(app, exit_code);
  wsfo::cli::add_scenario_commands(app, exit_code);
  wsfo::cli::add_clients_commands(app, exit_code);
  wsfo::cli::add_bench_clients_commands(app, exit_code);
  wsfo::cli::add_gateway_commands(app, exit_code);
  wsfo::cli::add_vrrp_agent_commands(app, exit_code);
  wsfo::cli::add_vip_notify_commands(app, exit_code);
  wsfo::cli::add_bench_gateway_commands(app, exit_code);
  wsfo::cli::add_bench_storm_commands(app, exit_code);
  wsfo::cli::add_simulate_commands(app, exit_code);
  wsfo::cli::add_calibrate_commands(app, exit_code);
  wsfo::cli::add_crosscheck_commands(app, exit_code);
  wsfo::cli::add_report_commands(app, exit_code);
  wsfo::cli::add_bench_takeover_commands(app, exit_code);
  wsfo::cli::add_bench_fidelity_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return wsfo::cli::kUsage;
  }
  return exit_code;
}
