#pragma once
// What a gateway does to its live connections when a cutover step changes its
// rules: a prepare closes the connections of the slots it moves, a revert of a
// committed version closes those that move back, each with 4001 and a reason
// naming the move. Computed from RulesState's own results, so the live
// gateway and the model close the same slots with the same texts.
#include <cstdint>
#include <string>
#include <vector>

#include "core/gateway/rules_state.hpp"
#include "core/routing/rule_diff.hpp"

namespace wsfo::run {

inline constexpr std::uint16_t kMovedCloseCode = 4001;

struct MovedClose {
  routing::MovedRange range;
  std::string reason;  // the close frame's reason text
};

// After a successful prepare: the pending version's moved ranges.
std::vector<MovedClose> closes_after_prepare(const gateway::RulesState& prepared);

// After an abort that took a committed version back (StepResult::reverted).
std::vector<MovedClose> closes_after_revert(const routing::RuleDiff& revert);

}  // namespace wsfo::run
