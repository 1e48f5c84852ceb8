#pragma once
// One trial of a sweep: the scaled scenario written to
// SWEEP_DIR/trial-<population>/scenario.json and played by a child
// `wsfo simulate` (the SimGrid engine runs once per process) with its run
// directory beside it (trial-<population>/run), then judged by its exit
// status: 0 pass, 1 a failed expectation, anything else a trial that could
// not run.
#include <cstdint>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "simulator/sweep/bisection.hpp"

namespace wsfo::sweep {

struct TrialPlan {
  std::string wsfo;                           // the binary to run
  std::string sweep_dir;                      // absolute
  std::vector<std::string> simulate_options;  // passed to every trial: --seed N, --ramp ...
};

std::string trial_dir(const TrialPlan& plan, std::uint64_t population);

// `scenario` is the scaled scenario's document, `clients` its total client count.
Trial run_trial(const TrialPlan& plan, std::uint64_t population, std::uint64_t clients, const json::Json& scenario);

}  // namespace wsfo::sweep
