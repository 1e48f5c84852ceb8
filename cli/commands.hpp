#pragma once
// Each subcommand family registers itself on the root CLI11 app. The callback
// stores its exit status in `exit_code` (documented in README.md).
#include <CLI/CLI.hpp>

namespace wsfo::cli {

enum ExitCode : int {
  kOk = 0,
  kCheckFailed = 1,  // the input was read but is invalid / an expectation failed
  kUsage = 2,        // bad flags or arguments
  kNotJudged = 2,    // a part of a run failed: the run could not be judged
  kIoError = 3,      // a file could not be read or written
};

void add_rules_commands(CLI::App& app, int& exit_code);
void add_run_commands(CLI::App& app, int& exit_code);
void add_demo_commands(CLI::App& app, int& exit_code);
void add_cutover_commands(CLI::App& app, int& exit_code);
void add_backend_commands(CLI::App& app, int& exit_code);
void add_scenario_commands(CLI::App& app, int& exit_code);
void add_clients_commands(CLI::App& app, int& exit_code);
void add_bench_clients_commands(CLI::App& app, int& exit_code);
void add_gateway_commands(CLI::App& app, int& exit_code);
void add_vrrp_agent_commands(CLI::App& app, int& exit_code);
void add_vip_notify_commands(CLI::App& app, int& exit_code);
void add_bench_gateway_commands(CLI::App& app, int& exit_code);
void add_bench_storm_commands(CLI::App& app, int& exit_code);
void add_simulate_commands(CLI::App& app, int& exit_code);
void add_calibrate_commands(CLI::App& app, int& exit_code);
void add_crosscheck_commands(CLI::App& app, int& exit_code);
void add_report_commands(CLI::App& app, int& exit_code);
void add_bench_takeover_commands(CLI::App& app, int& exit_code);
void add_bench_fidelity_commands(CLI::App& app, int& exit_code);

// The `bench` parent subcommand: found if another family added it, else created.
CLI::App* bench_command(CLI::App& app);

}  // namespace wsfo::cli
