#pragma once
// The runs of `wsfo bench fidelity`: each point's scenario played live by
// `wsfo run` and in the model by `wsfo simulate`, as child processes, one at
// a time; and each run's figures read from its run directory with core's
// run_figures (the same code for both engines) plus the engine's own
// counters: live `processes.json` (gateway CPU seconds, backend message
// counters), simulated `capacity.json` (per node `cpu_per_s`,
// `messages_relayed_per_s`).
#include <optional>
#include <string>
#include <vector>

#include "core/scenario/scenario.hpp"
#include "simulator/bench/fidelity_compare.hpp"

namespace wsfo::bench {

struct FidelityPoint {
  std::string name;  // the scenario file's stem
  std::string scenario_file;
  scenario::Scenario scenario;
  bool fault = false;  // its timeline kills a node or cuts over: fault figures; else steady figures
};

// Every *.json of `dir`, sorted by name. A file that is not a valid scenario is an error naming it.
std::vector<FidelityPoint> load_points(const std::string& dir, std::string& error);

std::vector<std::string> figure_names(const FidelityPoint& point);

// A run's figures, or why there are none (the run could not be made).
struct RunResult {
  std::optional<RunSample> sample;
  std::string error;
};

// Reads a finished run directory (history.jsonl, and processes.json or capacity.json).
RunResult read_run_dir(const FidelityPoint& point, const std::string& run_dir, bool live);

// Runs `wsfo run|simulate SCENARIO --report-dir run_dir` (its output to run_dir + ".log") and reads the result.
// Exit 0 and 1 are runs (1: an expectation failed, which overload may cause); anything else could not be made.
RunResult play(const std::string& wsfo_binary, const FidelityPoint& point, const std::string& run_dir, bool live);

}  // namespace wsfo::bench
