// `wsfo demo`: the seed's story live. seed-msha-cutover runs against real
// processes; its three seed clients print like the seed's Node.js client
// (1111 redirected to center, 8330 straight to unbj, 6249 cut over to center
// by the cutover) while the background population runs beside them; then the
// text report, and the HTML report in the run directory.
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/live_run.hpp"

namespace wsfo::cli {

namespace {

constexpr const char* kSeedScenario = "scenarios/seed-msha-cutover.json";

// The seed scenario from the working directory, else from the source tree
// the binary was built in (build/<dir>/cli/wsfo).
std::string find_seed_scenario() {
  namespace fs = std::filesystem;
  if (fs::exists(kSeedScenario)) return kSeedScenario;
  std::error_code error;
  fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    fs::path candidate = exe.parent_path().parent_path().parent_path().parent_path() / kSeedScenario;
    if (fs::exists(candidate)) return candidate.string();
  }
  return kSeedScenario;  // the loader will say it cannot be read
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
  cmd->add_option("--scenario", request.scenario, "Scenario file (default: " + std::string(kSeedScenario) + ")");
  cmd->add_option("--report-dir", request.report_dir, "Run directory (default: reports/out/<scenario>-<time>)");
  cmd->callback([&exit_code] {
    if (request.scenario.empty()) request.scenario = find_seed_scenario();
    exit_code = play_scenario_live(request);
  });
}

}  // namespace wsfo::cli
