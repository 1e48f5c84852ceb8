#pragma once
// `wsfo run`: plays a scenario against real processes (gateways, backends,
// client fleets, all children of this process on their own 127.x addresses),
// merges every part's events into one history and judges it.
#include <chrono>
#include <ostream>
#include <set>
#include <string>

#include "core/run/run_record.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::live {

struct LiveRunOptions {
  std::string wsfo_binary;  // the binary to start parts with (normally /proc/self/exe)
  std::string run_dir;      // configs, logs, state files, events and the report
  std::chrono::milliseconds ready_timeout{10000};
  std::chrono::milliseconds stop_timeout{10000};
  std::set<std::string> verbose_groups;  // client groups printing the seed's lines on our stdout (demo)
  bool progress = false;                 // a progress line every few seconds (on a terminal only)
};

// Plays the scenario and returns what was recorded. A part that failed to
// start, or died without the timeline killing it, is in the record's
// part_failures (the run then cannot be judged); what was played is kept.
run::RunRecord run_live(const scenario::Scenario& scenario, const LiveRunOptions& options, std::ostream& log);

}  // namespace wsfo::live
