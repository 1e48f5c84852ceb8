#pragma once
// Which scenarios a stack can play. wsfo's own gateway plays every item; plain
// nginx with keepalived serves one unit with no routerId rules, no redirect or
// correction between units, no cutover and no admin API, so a scenario that
// relies on any of them is refused before anything starts rather than played
// as something else.
#include <string>

#include "core/scenario/scenario.hpp"

namespace wsfo::stack {

// "" when `kind` can play every item of the scenario; otherwise one line naming the first item it cannot
// and why, e.g. `timeline[2] (cutover): the nginx-keepalived stack is plain nginx: it has no routerId rules to cut
// over`.
std::string first_unrealisable(const scenario::Scenario& scenario, scenario::StackKind kind);

// Plays the scenario on `kind` instead of its own stack (wsfo run --stack,
// crosscheck). The other stack's settings do not carry over; "" or a note
// naming those that were given and are left out, for the user.
std::string switch_stack(scenario::Scenario& scenario, scenario::StackKind kind);

}  // namespace wsfo::stack
