#pragma once
// Internal to core/checks: what happened in each window of a history (who
// disconnected and why, who came back where, redirects, loops, bounces, dual
// service), before any expectation is looked at.
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/checks/history_checks.hpp"

namespace wsfo::checks {

// Per routerId, the times and units of its `connected` events, in order.
using ConnectIndex = std::unordered_map<std::uint64_t, std::vector<std::pair<std::int64_t, std::string>>>;

ConnectIndex index_connects(std::span<const history::Event> history);

// Over the whole history: every moment a routerId was served by two units at once.
std::vector<DualService> find_dual_service(std::span<const history::Event> history);

// The facts of one window; `history` sorted by t_ns.
void collect_window(std::span<const history::Event> history, const EventWindow& window, const ConnectIndex& connects,
                    WindowFacts& facts);

}  // namespace wsfo::checks
