#pragma once
// The run directory as `wsfo report` reads it back: history.jsonl,
// scenario.json (the scenario file as given to the run) and run.json (what
// the engine recorded that the other two do not say: core/run/run_file.hpp).
// `wsfo run` and `wsfo simulate` keep the last two with their reports.
#include <optional>
#include <string>

#include "reports/report.hpp"

namespace wsfo::reports {

// Copies the scenario file to `dir`/scenario.json (unless it is that file)
// and writes `dir`/run.json; returns an error message or empty.
std::string keep_run_inputs(const Report& report, const std::string& dir, const std::string& scenario_file);

struct LoadedRun {
  enum class Status { ok, unreadable, invalid } status = Status::ok;
  std::string error;  // one line naming the file (and line) when status is not ok
  std::optional<Report> report;
};

// Rebuilds the run's record from `dir` and judges it again with core/checks,
// as the run did. unreadable: a missing directory or file, or one that cannot
// be read; invalid: a history line, the scenario or run.json is not what a run
// writes (the error names the line or the field).
LoadedRun load_run_dir(const std::string& dir);

}  // namespace wsfo::reports
