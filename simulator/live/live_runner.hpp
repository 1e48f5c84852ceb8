#pragma once
// `wsfo run`: plays a scenario against real processes (gateways, backends,
// client fleets, all children of this process on their own 127.x addresses),
// merges every part's events into one history and judges it.
#include <chrono>
#include <ostream>
#include <set>
#include <string>

#include "core/scenario/scenario.hpp"
#include "reports/report.hpp"

namespace wsfo::live {

struct LiveRunOptions {
  std::string wsfo_binary;  // the binary to start parts with (normally /proc/self/exe)
  std::string run_dir;      // configs, logs, state files, events and the report
  std::chrono::milliseconds ready_timeout{10000};
  std::chrono::milliseconds stop_timeout{10000};
  std::set<std::string> verbose_groups;  // client groups printing the seed's lines on our stdout (demo)
  bool progress = false;                 // a progress line every few seconds (on a terminal only)
};

struct LiveRunOutcome {
  bool started = false;  // false: a part did not come up; `error` says which
  std::string error;
  reports::RunRecord record;
};

// Why a scenario cannot be played live yet (an action the live runner does
// not support), or empty.
std::string unsupported_live(const scenario::Scenario& scenario);

LiveRunOutcome run_live(const scenario::Scenario& scenario, const LiveRunOptions& options, std::ostream& log);

}  // namespace wsfo::live
