#pragma once
// `wsfo bench takeover`: VRRP takeover timings of wsfo's emulation and of real
// keepalived, measured the same way side by side (docs/vrrp.md "Takeover
// timings"). Per stack and run: a fresh start (a MASTER, b BACKUP), a wait
// that puts the fault at a chosen phase of a's advert timer, then
//   - hard loss: SIGKILL of a → b's MASTER; then a started again → a's MASTER
//     (preempt back);
//   - graceful: a fresh start again, SIGTERM of a → b's MASTER.
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/vrrp/takeover_timing.hpp"
#include "process/status_line.hpp"
#include "simulator/bench/takeover_stacks.hpp"

namespace wsfo::bench {

struct TakeoverBenchOptions {
  std::size_t runs = 5;
  std::vector<std::string> stacks = {kEmulationStack, kKeepalivedStack};
  TakeoverStackFiles files;
  vrrp::TakeoverSetup setup;
  std::uint64_t seed = 0;  // draws the fault phases
  // Only the hard loss (with its preempt back) when false.
  bool graceful = true;
  process::StatusLine* status = nullptr;  // where the run, the stack and the fault are shown, if anywhere
};

struct TakeoverBenchResult {
  std::vector<std::string> stacks;  // in the order measured
  std::map<std::string, std::map<vrrp::TakeoverFigure, std::vector<vrrp::TakeoverSample>>> samples;
  std::string error;  // a stack that could not be set up or driven: nothing is judged then
};

// Progress (one line per run) on `log`.
TakeoverBenchResult run_takeover_bench(const TakeoverBenchOptions& options, std::ostream& log);

// The table: per figure keepalived's expected value, each stack's median
// (min-max, runs), the ratio emulation/real and PASS/FAIL at 10%.
void print_takeover_table(const TakeoverBenchResult& result, const vrrp::TakeoverSetup& setup, std::ostream& out);

// Every figure within 10% on both stacks; with one stack, every run gave every figure.
bool takeover_bench_passed(const TakeoverBenchResult& result);

}  // namespace wsfo::bench
