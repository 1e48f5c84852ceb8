#include <iostream>

#include "cli/commands.hpp"

namespace {

// "wsfo bench gateway": the subcommands parsed so far, for a message.
std::string command_path(CLI::App& app) {
  std::string path = app.get_name();
  for (CLI::App* at = &app; !at->get_subcommands().empty();) {
    at = at->get_subcommands().front();
    path += " " + at->get_name();
  }
  return path;
}

constexpr const char* kExitCodes =
    "Exit codes (every subcommand):\n"
    "  0  success; every expectation held\n"
    "  1  a negative verdict: an expectation failed, or a check command found its input invalid\n"
    "  2  the command could not do its job: a usage error (bad flag, bad value, missing argument), an input it "
    "needs is invalid, a part failed to start, an action the stack cannot realise\n"
    "  3  a file could not be read or written\n"
    "  SIGINT/SIGTERM: `wsfo run` and `wsfo demo` write what was played, then end by that signal (130, 143)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wsfo: a simulation and test harness for active-active WebSocket failover", "wsfo"};
  app.set_version_flag("--version", wsfo::cli::version_text());
  app.footer(kExitCodes);
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
  } catch (const std::exception& e) {
    // What a command did not handle itself (a part that did not start, a
    // folder that cannot be made): one line naming the command, and its code.
    std::cerr << command_path(app) << ": " << e.what() << "\n";
    return wsfo::cli::exit_code_of(e);
  }
  return exit_code;
}
