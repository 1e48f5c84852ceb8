#pragma once
// `wsfo simulate`: plays a scenario in the SimGrid model (sim_world.hpp) and
// hands back the same RunRecord `wsfo run` produces, plus what the history
// file and the capacity figures need.
#include <memory>
#include <string>

#include "core/scenario/scenario.hpp"
#include "reports/report.hpp"
#include "simulator/model/capacity.hpp"
#include "simulator/model/sim_log.hpp"
#include "simulator/model/sim_options.hpp"

namespace wsfo::model {

// Runs with at most this many clients keep every field of every event in the
// RunRecord; larger ones keep what the checks and reports read (the history
// file always has every field).
inline constexpr std::size_t kFullRecordClients = 20000;

struct SimOutcome {
  std::string error;  // the scenario uses something the model does not play
  reports::RunRecord record;
  std::vector<LogRecord> log;  // sorted by time
  std::shared_ptr<LogNames> names;
  std::shared_ptr<StringTable> urls, texts;  // what `names` points into
  std::shared_ptr<std::vector<history::Event>> agent_events;
  Capacity capacity;
};

// SimGrid allows one engine per process: call this once.
SimOutcome run_simulation(const scenario::Scenario& scenario, const SimOptions& options);

// Writes history.jsonl into `dir` from the compact log; an error message or empty.
std::string write_history_file(const SimOutcome& outcome, const std::string& dir);

}  // namespace wsfo::model
