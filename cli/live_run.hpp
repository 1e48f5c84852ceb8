#pragma once
// Shared by `wsfo run` and `wsfo demo`: load a scenario, play it live, print
// the text report and write the run directory. Returns the exit status:
// 0 every expectation held, 1 one failed, 2 a bad scenario or a part that did
// not start (the message says which), 3 a file could not be read or written.
#include <set>
#include <string>

#include "core/run/run_record.hpp"
#include "core/scenario/scenario.hpp"
#include "simulator/live/live_runner.hpp"
#include "simulator/stack/stack_plan.hpp"

namespace wsfo::cli {

struct LiveRunRequest {
  std::string scenario;    // path of the scenario file
  std::string report_dir;  // empty: reports/out/<scenario>-<time>
  std::set<std::string> verbose_groups;
  std::string stack;  // "wsfo", "nginx-keepalived"; empty: the scenario's own stack
  std::string nginx_binary;       // empty: the stack's default
  std::string keepalived_binary;  // empty: the stack's default
  bool skip_unavailable = false;  // exit 77 when the stack cannot run here (not under CI=true)
};

int play_scenario_live(const LiveRunRequest& request);

// Plays the scenario live on the stack it names (the loopback emulation or
// real nginx + keepalived). When that stack cannot be played here (a binary
// or a permission is missing), `unavailable` says why and nothing started.
run::RunRecord play_on_its_stack(const scenario::Scenario& scenario, const live::LiveRunOptions& options,
                                 stack::StackBinaries binaries, std::string& unavailable);

}  // namespace wsfo::cli
