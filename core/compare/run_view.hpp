#pragma once
// One played run of a scenario as the comparison reads it: plain views of
// what a report holds (the history, its windows and their facts, the VIP
// takeovers, the clients left on dead connections), so that core stays free
// of the report writers. The caller keeps the data alive while comparing.
#include <span>
#include <string>

#include "core/checks/connection_series.hpp"
#include "core/checks/history_checks.hpp"
#include "core/checks/silent_connections.hpp"
#include "core/history/event.hpp"

namespace wsfo::compare {

struct RunView {
  std::string label;                             // the stack that played it: "wsfo", "nginx-keepalived"
  std::span<const history::Event> history;       // sorted by t_ns
  std::span<const checks::EventWindow> windows;  // one per timeline event
  std::span<const checks::WindowFacts> facts;    // aligned with `windows`
  std::span<const checks::Takeover> takeovers;   // the first MASTER of each VIP per window
  std::span<const checks::SilentWindow> silent;  // only windows with affected clients
};

}  // namespace wsfo::compare
