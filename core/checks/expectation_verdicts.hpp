#pragma once
// Internal to core/checks: each expectation of a window judged against the
// window's facts (window_facts.hpp), with the evidence a report shows.
#include <cstdint>
#include <span>
#include <vector>

#include "core/checks/history_checks.hpp"

namespace wsfo::checks {

// Appends one verdict per expectation of `window`, and one for a timeline
// action that failed.
// `split_brains` over the whole run (split_brain.hpp).
void judge_window(const EventWindow& window, const WindowFacts& facts, std::span<const history::Event> history,
                  std::span<const SplitBrain> split_brains, std::span<const std::uint64_t> population,
                  std::uint32_t modulus, std::vector<Verdict>& out);

}  // namespace wsfo::checks
