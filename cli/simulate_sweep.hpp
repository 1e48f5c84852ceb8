#pragma once
// `wsfo simulate SCENARIO --sweep GROUP=FROM..TO`: the largest population for
// which the scenario's expectations hold, by bisection over child
// `wsfo simulate` runs (docs/sweep.md).
#include <string>
#include <vector>

namespace wsfo::cli {

struct SweepRequest {
  std::string scenario;
  std::string report_dir;                     // the sweep's directory; empty: reports/out/<name>-sweep-<time>
  std::vector<std::string> ranges;            // each --sweep as written
  std::string precision;                      // --precision as written; empty: the default
  std::vector<std::string> simulate_options;  // passed to every trial (--seed, --ramp, ...)
};

// Exit 0 when the sweep found its answer (a knee, holds at TO, fails at FROM),
// 2 usage, 3 a trial could not run or a file could not be written.
int simulate_sweep(const SweepRequest& request);

}  // namespace wsfo::cli
