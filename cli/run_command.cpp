// `wsfo run SCENARIO`: play a scenario live and report which routerIds
// disconnected, why, whether that was expected, and how fast they came back.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/live_run.hpp"
#include "cli/run_output.hpp"
#include "cli/self_path.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "reports/report.hpp"
#include "simulator/live/live_runner.hpp"

namespace wsfo::cli {

int play_scenario_live(const LiveRunRequest& request) {
  auto loaded = scenario::load_scenario_file(request.scenario);
  for (const auto& p : loaded.problems.list()) std::cerr << request.scenario << ": " << json::format(p) << "\n";
  if (loaded.unreadable) return kIoError;
  if (!loaded.scenario) {
    std::cerr << "wsfo run: " << request.scenario << " is not a valid scenario (problems above)\n";
    return kUsage;
  }
  live::LiveRunOptions options;
  options.wsfo_binary = self_path();
  options.run_dir = std::filesystem::absolute(request.report_dir.empty() ? default_report_dir(loaded.scenario->name)
                                                                         : request.report_dir)
                        .string();
  options.verbose_groups = request.verbose_groups;
  options.progress = ::isatty(STDOUT_FILENO) == 1;  // progress on a terminal, not in CI logs
  std::cerr << "run directory: " << options.run_dir << "\n";
  run::RunRecord record = live::run_live(*loaded.scenario, options, std::cerr);
  return finish_run(reports::build_report(std::move(record)), options.run_dir, "wsfo run");
}

void add_run_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("run", "Play a scenario live against real gateway, backend and client processes")
          ->footer(
              "Starts every part as a child process on its own 127.x address, plays the timeline, merges "
              "the events into history.jsonl and writes report.json, junit.xml and report.html to the run "
              "directory.\nExit: 0 every expectation held, 1 an expectation failed, 2 the scenario is "
              "invalid, or the run could not be judged because a part failed to start or died on its own "
              "(the report and the message name the part and the cause), 3 a file could not be read or written.");
  static LiveRunRequest request;
  cmd->add_option("SCENARIO", request.scenario, "Scenario file (JSON)")->required();
  cmd->add_option("--report-dir", request.report_dir, "Run directory (default: reports/out/<scenario>-<time>)");
  cmd->callback([&exit_code] { exit_code = play_scenario_live(request); });
}

}  // namespace wsfo::cli
