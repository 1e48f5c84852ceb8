// `wsfo run SCENARIO`: play a scenario live and report which routerIds
// disconnected, why, whether that was expected, and how fast they came back.
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "reports/report.hpp"
#include "simulator/live/live_runner.hpp"

namespace wsfo::cli {

namespace {

struct RunFlags {
  std::string scenario;
  std::string report_dir;
};

std::string self_path() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string("wsfo") : path.string();
}

std::string default_report_dir(const std::string& scenario) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "reports/out/" + scenario + "-" + stamp;
}

int run(const RunFlags& flags) {
  auto loaded = scenario::load_scenario_file(flags.scenario);
  for (const auto& p : loaded.problems.list()) std::cerr << flags.scenario << ": " << json::format(p) << "\n";
  if (loaded.unreadable) return kIoError;
  if (!loaded.scenario) return kCheckFailed;
  if (auto reason = live::unsupported_live(*loaded.scenario); !reason.empty()) {
    std::cerr << flags.scenario << ": " << reason << "\n";
    return kUsage;
  }
  live::LiveRunOptions options;
  options.wsfo_binary = self_path();
  options.run_dir =
      std::filesystem::absolute(flags.report_dir.empty() ? default_report_dir(loaded.scenario->name) : flags.report_dir)
          .string();
  std::cerr << "run directory: " << options.run_dir << "\n";
  live::LiveRunOutcome outcome = live::run_live(*loaded.scenario, options, std::cerr);
  if (!outcome.started) {
    std::cerr << "wsfo run: " << outcome.error << "\n";
    return kIoError;
  }
  reports::Report report = reports::build_report(std::move(outcome.record));
  reports::write_text(report, std::cout);
  if (auto error = reports::write_report_dir(report, options.run_dir); !error.empty()) {
    std::cerr << "wsfo run: " << error << "\n";
    return kIoError;
  }
  std::cout << "report: " << options.run_dir << "/report.html\n";
  return report.passed() ? kOk : kCheckFailed;
}

}  // namespace

void add_run_commands(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("run", "Play a scenario live against real gateway, backend and client processes")
                  ->footer(
                      "Starts every part as a child process on its own 127.x address, plays the timeline, merges "
                      "the events into history.jsonl and writes report.json, junit.xml and report.html to the run "
                      "directory.\nExit: 0 every expectation held, 1 an expectation failed or the scenario is "
                      "invalid, 2 usage (or an action the live runner does not support), 3 a part could not start "
                      "or a file could not be written.");
  static RunFlags flags;
  cmd->add_option("SCENARIO", flags.scenario, "Scenario file (JSON)")->required();
  cmd->add_option("--report-dir", flags.report_dir, "Run directory (default: reports/out/<scenario>-<time>)");
  cmd->callback([&exit_code] { exit_code = run(flags); });
}

}  // namespace wsfo::cli
