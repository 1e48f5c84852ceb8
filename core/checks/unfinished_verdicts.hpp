#pragma once
// The verdicts of a run stopped before its end (SIGINT, SIGTERM). An
// expectation is judged on its whole window, from its event to the next one
// (or the scenario's end), so a window the stop cut short, and an event never
// played, cannot say pass or fail: their expectations are `unknown`, with what
// the cut window had shown so far as evidence. Windows played to their end
// keep their verdicts, and so does a timeline action that failed.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/checks/history_checks.hpp"

namespace wsfo::checks {

struct Unfinished {
  bool last_window_cut = false;           // the last of `windows` ends at the stop, before its planned end
  std::int64_t planned_end_ns = 0;        // where the cut window was to end (the next event or the scenario's end)
  std::span<const EventWindow> unplayed;  // events never played, with their expectations
  std::string when;                       // "SIGINT at +12.345s", for the evidence
};

// Rewrites the cut window's verdicts as unknown and appends one unknown
// verdict per expectation of each unplayed event.
void judge_unfinished(Analysis& analysis, std::span<const EventWindow> windows, const Unfinished& unfinished,
                      std::span<const std::uint64_t> population, std::uint32_t modulus);

}  // namespace wsfo::checks
