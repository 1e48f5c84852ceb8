// `wsfo demo`: the seed's story live. seed-msha-cutover runs against real
// processes; its three seed clients print like the seed's Node.js client
// (1111 redirected to center, 8330 straight to unbj, 6249 cut over to center
// by the cutover) while the background population runs beside them; then the
// text report, and the HTML report in the run directory.
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/live_run.hpp"
#include "cli/self_path.hpp"

namespace wsfo::cli {

namespace {

constexpr const char* kSeedScenario = "scenarios/seed-msha-cutover.json";

// The seed scenario from the working directory, else wsfo's own: installed
// beside the binary (share/wsfo) or in the source tree it was built from.
std::string find_seed_scenario() {
  if (std::filesystem::exists(kSeedScenario)) return kSeedScenario;
  return data_path(kSeedScenario);  // when absent, the loader says it cannot be read
}

}  // namespace

void add_demo_commands(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("demo", "Play the seed cutover live, with three clients printing like the seed");
  cmd->footer(
      "Runs seed-msha-cutover (40 s): clients 1111, 8330 and 6249 print the seed client's lines (1111 is redirected "
      "to center, 8330 connects straight to unbj, 6249 is moved to center by the cutover at 10 s) beside a "
      "background population of 3200 clients. Prints the report and writes report.html to the run directory. "
      "Progress lines appear only when stdout is a terminal. Exit status as for `wsfo run`.");
  static LiveRunRequest request;
  request.verbose_groups = {"seed-clients"};
  cmd->add_option("--scenario", request.scenario,
                  "Scenario file (default: " + std::string(kSeedScenario) +
                      " in the working directory, else the one installed with wsfo)");
  cmd->add_option("--report-dir", request.report_dir, "Run directory (default: reports/out/<scenario>-<time>)");
  cmd->callback([&exit_code] {
    if (request.scenario.empty()) request.scenario = find_seed_scenario();
    exit_code = play_scenario_live(request);
  });
}

}  // namespace wsfo::cli
