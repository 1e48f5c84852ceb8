#pragma once
// Split brain: two or more nodes MASTER for the same VIP at the same time,
// judged from the VRRP state events (`vip`) the history records, whichever
// engine or stack wrote them. A node killed or powered off while MASTER
// writes nothing more, so its MASTER interval ends at the timeline event that
// took it down (EventWindow::node_down). A failed VIP bind is evidence only:
// the real stack (keepalived) has no bind failures.
//
// A preempting node becomes MASTER and sends its first advert; the old MASTER
// leaves when that advert reaches it. Two MASTERs for less than one advert
// interval are that handover, not a split brain: in a split brain at least
// one advert went unheard.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/checks/history_checks.hpp"  // SplitBrain, EventWindow, Verdict

namespace wsfo::checks {

// `history` sorted by t_ns; `windows` the played timeline (their node_down
// ends a MASTER interval); `end_ns` the run's end: events after it are not
// read, and a split brain still open then ends there; `advert_ns` each
// instance's advert interval (absent: 0, every overlap counts).
std::vector<SplitBrain> find_split_brains(std::span<const history::Event> history, std::span<const EventWindow> windows,
                                          std::int64_t end_ns,
                                          const std::map<std::string, std::int64_t>& advert_ns = {});

// The `split_brain` expectation of `window`: true holds when a split brain
// overlaps the window (from its event to the next), false when none does.
Verdict judge_split_brain(bool expected, const EventWindow& window, std::span<const SplitBrain> found,
                          std::span<const history::Event> history);

// "vip-112 (127.0.2.112): server1 + server2 MASTER from +1.250 s to +4.750 s (3.500 s)",
// the instants relative to `origin_ns`.
std::string describe(const SplitBrain& split, std::int64_t origin_ns);

}  // namespace wsfo::checks
