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
#include "process/interrupt_signals.hpp"

namespace wsfo::live {

struct LiveRunOptions {
  std::string wsfo_binary;  // the binary to start parts with (normally /proc/self/exe)
  std::string run_dir;      // configs, logs, state files, events and the report
  std::chrono::milliseconds ready_timeout{10000};
  std::chrono::milliseconds stop_timeout{10000};
  std::set<std::string> verbose_groups;  // client groups printing the seed's lines on our stdout (demo)
  bool progress = false;                 // a progress line every few seconds (on a terminal only)
  // Given (by `wsfo run`): SIGINT or SIGTERM stops the timeline where it is;
  // the parts are stopped and their events collected as at a normal end,
  // and the record is marked interrupted.
  const process::GracefulStop* stop = nullptr;
};

// Plays the scenario and returns what was recorded. A part that failed to
// start, or died without the timeline killing it, is in the record's
// part_failures (the run then cannot be judged); what was played is kept.
run::RunRecord run_live(const scenario::Scenario& scenario, const LiveRunOptions& options, std::ostream& log);

// For the engines that play on real processes. True when a stop was requested.
bool stop_requested(const LiveRunOptions& options);
// Once a stop was requested: names its signal in the record's interruption,
// or, when it came after the timeline had ended, marks the record interrupted
// with nothing cut. Call after the timeline and again after the parts stopped.
void note_stop(run::RunRecord& record, const LiveRunOptions& options);
// A part that ended after a stop was requested is not a failure of the run
// (a terminal's Ctrl-C reaches every process of the group, and the parts end
// on SIGINT by themselves): it is noted. Before a stop, it is a part failure.
void add_part_exits(run::RunRecord& record, std::vector<std::string> exits, const LiveRunOptions& options,
                    std::ostream& log);

}  // namespace wsfo::live
