#pragma once
// What one played run leaves behind, whatever engine played it: the merged
// history, one window per timeline event, the cutovers' results and the
// notes. The report (reports/) and the checks (core/checks) read it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/checks/history_checks.hpp"
#include "core/cutover/cutover_workflow.hpp"
#include "core/history/event.hpp"
#include "core/routing/rule_set.hpp"

namespace wsfo::run {

// A run stopped before its end by the user (SIGINT, SIGTERM): what was played
// is kept and reported, and an expectation whose window was not played to its
// end is judged unknown (core/checks/unfinished_verdicts.hpp).
struct Interruption {
  std::string cause;                // "SIGINT", "SIGTERM"
  std::int64_t at_ns = 0;           // when the stop was asked for, on the run's clock
  std::int64_t planned_end_ns = 0;  // when the scenario would have ended
  // The timeline stopped before the scenario's end: the last played window
  // ends at the stop, not where it was meant to. False when the stop came
  // after the timeline had ended (while the parts were being stopped).
  bool timeline_cut = false;
  // The events never played, with their expectations, their windows where
  // they were planned.
  std::vector<checks::EventWindow> unplayed;
};

struct RunRecord {
  std::string scenario;
  std::string engine;          // "live" or "simulate"
  std::string stack = "wsfo";  // what stood for the gateway nodes and VIPs: "wsfo" or "nginx-keepalived"
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  std::vector<history::Event> history;  // sorted by t_ns
  std::vector<checks::EventWindow> windows;
  std::vector<std::uint64_t> population;
  routing::RuleSet rules_before;
  routing::RuleSet rules_after;
  std::map<std::size_t, cutover::CutoverResult> cutovers;  // by timeline index
  std::vector<std::string> notes;                          // things the runner wants the reader to know
  // Parts of the run that failed (did not start, or died without the
  // timeline killing them): the run cannot be judged.
  std::vector<std::string> part_failures;
  std::optional<Interruption> interrupted;  // set when the run was stopped by a signal
  // Each VRRP instance's advert interval, from the scenario: two MASTERs for
  // less than one of it are a handover, not a split brain (checks/split_brain.hpp).
  std::map<std::string, std::int64_t> advert_ns{};

  bool judgeable() const { return part_failures.empty(); }
};

}  // namespace wsfo::run
