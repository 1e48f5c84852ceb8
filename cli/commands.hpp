#pragma once
// Each subcommand family registers itself on the root CLI11 app. The callback
// stores its exit status in `exit_code` (cli/exit_codes.hpp, README.md).
#include <CLI/CLI.hpp>

#include "cli/exit_codes.hpp"

namespace wsfo::cli {

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

// `wsfo --version`: wsfo's, and the versions of Boost, SimGrid, nlohmann/json
// and CLI11 it was built with, and where its data files are (cli/version.cpp).
std::string version_text();

// The `bench` parent subcommand: found if another family added it, else created.
CLI::App* bench_command(CLI::App& app);

}  // namespace wsfo::cli
