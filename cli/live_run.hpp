#pragma once
// Shared by `wsfo run` and `wsfo demo`: load a scenario, play it live, print
// the text report and write the run directory. Returns the exit status:
// 0 every expectation held, 1 one failed, 2 a bad scenario or a part that did
// not start (the message says which), 3 a file could not be read or written.
#include <set>
#include <string>

namespace wsfo::cli {

struct LiveRunRequest {
  std::string scenario;    // path of the scenario file
  std::string report_dir;  // empty: reports/out/<scenario>-<time>
  std::set<std::string> verbose_groups;
  std::string stack;  // "wsfo", "nginx-keepalived"; empty: the scenario's own stack
};

int play_scenario_live(const LiveRunRequest& request);

}  // namespace wsfo::cli
