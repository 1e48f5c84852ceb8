#include "reports/run_dir.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/run/run_file.hpp"
#include "core/scenario/scenario_loader.hpp"

namespace wsfo::reports {

namespace fs = std::filesystem;

namespace {

using Status = LoadedRun::Status;

LoadedRun failed(Status status, std::string error) { return {status, std::move(error), std::nullopt}; }

// Every line of history.jsonl, checked as every reader of histories checks it.
std::optional<std::vector<history::Event>> read_history(const fs::path& path, LoadedRun& failure) {
  std::ifstream in(path);
  if (!in) return failure = failed(Status::unreadable, "cannot read " + path.string()), std::nullopt;
  std::vector<history::Event> events;
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::string error;
    auto event = history::parse_event_line(line, error);
    if (!event)
      return failure = failed(Status::invalid, path.string() + ":" + std::to_string(number) + ": " + error),
             std::nullopt;
    events.push_back(std::move(*event));
  }
  if (in.bad()) return failure = failed(Status::unreadable, "failed reading " + path.string()), std::nullopt;
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.t_ns < b.t_ns; });
  return events;
}

}  // namespace

std::string keep_run_inputs(const Report& report, const std::string& dir, const std::string& scenario_file) {
  const fs::path copy = fs::path(dir) / "scenario.json";
  std::error_code error;
  if (!fs::equivalent(scenario_file, copy, error)) {
    fs::copy_file(scenario_file, copy, fs::copy_options::overwrite_existing, error);
    if (error) return "cannot copy '" + scenario_file + "' to '" + copy.string() + "': " + error.message();
  }
  const std::string path = (fs::path(dir) / "run.json").string();
  std::ofstream out(path);
  out << run::run_facts(report.run).dump(2) << "\n";
  return out ? std::string() : "cannot write '" + path + "'";
}

LoadedRun load_run_dir(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return failed(Status::unreadable, "no run directory '" + dir + "'");
  for (const char* name : {"history.jsonl", "scenario.json", "run.json"})
    if (!fs::exists(fs::path(dir) / name, error))
      return failed(Status::unreadable, "'" + dir + "' has no " + name +
                                            " (a run directory of `wsfo run` or `wsfo simulate` has history.jsonl, "
                                            "scenario.json and run.json)");
  const std::string scenario_path = (fs::path(dir) / "scenario.json").string();
  auto loaded = scenario::load_scenario_file(scenario_path);
  if (loaded.unreadable) return failed(Status::unreadable, "cannot read " + scenario_path);
  if (!loaded.scenario)
    return failed(Status::invalid, scenario_path + ": not a valid scenario: " +
                                       json::format(loaded.problems.list().front()));
  const fs::path run_path = fs::path(dir) / "run.json";
  std::ifstream run_in(run_path);
  if (!run_in) return failed(Status::unreadable, "cannot read " + run_path.string());
  nlohmann::json facts = nlohmann::json::parse(run_in, nullptr, false);
  if (facts.is_discarded() || !facts.is_object())
    return failed(Status::invalid, run_path.string() + ": not a JSON object");
  LoadedRun result;
  auto history = read_history(fs::path(dir) / "history.jsonl", result);
  if (!history) return result;
  std::string problem;
  auto record = run::rebuild_record(std::move(*loaded.scenario), std::move(*history), facts, problem);
  if (!record) return failed(Status::invalid, dir + ": " + problem);
  result.report = build_report(std::move(*record));
  return result;
}

}  // namespace wsfo::reports
