#include "simulator/sweep/sweep_trial.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "process/child_process.hpp"
#include "simulator/sweep/capacity_peaks.hpp"

namespace wsfo::sweep {

namespace sweep_trial_parts {

// The file's JSON, or null when it is missing or unreadable (a trial that
// failed may have left none).
json::Json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  return json::Json::parse(text.str(), nullptr, false);
}

}  // namespace sweep_trial_parts

using namespace sweep_trial_parts;

std::string trial_dir(const TrialPlan& plan, std::uint64_t population) {
  return plan.sweep_dir + "/trial-" + std::to_string(population);
}

Trial run_trial(const TrialPlan& plan, std::uint64_t population, std::uint64_t clients, const json::Json& scenario) {
  Trial trial;
  trial.population = population;
  trial.clients = clients;
  trial.dir = trial_dir(plan, population);
  std::error_code ec;
  std::filesystem::remove_all(trial.dir, ec);  // a previous sweep's trial must not be read as this one's
  std::filesystem::create_directories(trial.dir, ec);
  const std::string scenario_file = trial.dir + "/scenario.json";
  {
    std::ofstream out(scenario_file);
    out << scenario.dump(2) << "\n";
    if (!out) {
      trial.error = "cannot write '" + scenario_file + "'";
      return trial;
    }
  }
  std::vector<std::string> argv = {plan.wsfo, "simulate", scenario_file, "--report-dir", trial.dir + "/run"};
  argv.insert(argv.end(), plan.simulate_options.begin(), plan.simulate_options.end());
  process::ChildOptions options;
  options.log_file = trial.dir + "/simulate.log";
  options.stdout_to_log = true;
  auto start = std::chrono::steady_clock::now();
  try {
    process::ChildProcess child(argv, options);
    auto status = child.wait_for_exit(std::chrono::hours(24));
    trial.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!status) {
      trial.error = "trial " + std::to_string(population) + " still running after 24 h";
      return trial;
    }
    trial.exit_code = status->exited ? status->code : 128 + status->signal;
    if (!status->exited || (status->code != 0 && status->code != 1)) {
      trial.error = "trial " + std::to_string(population) + " (" + scenario_file +
                    ") could not run: " + process::describe_end(*status, options.log_file);
      return trial;
    }
  } catch (const std::exception& e) {
    trial.error = std::string("cannot start a trial: ") + e.what();
    return trial;
  }
  trial.verdict = trial.exit_code == 0 ? TrialVerdict::pass : TrialVerdict::fail;
  trial.failed = failed_expectations(read_json_file(trial.dir + "/run/report.json"));
  CapacityPeaks peaks = capacity_peaks(read_json_file(trial.dir + "/run/capacity.json"));
  trial.busiest_node = peaks.busiest_node;
  trial.busiest = peaks.busiest;
  return trial;
}

}  // namespace wsfo::sweep
