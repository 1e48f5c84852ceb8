#pragma once
// Facts derived from a history for reports: open connections per unit over
// time, and VIP transitions with their takeover times.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/checks/history_checks.hpp"
#include "core/history/event.hpp"

namespace wsfo::checks {

struct SeriesPoint {
  std::int64_t t_ns = 0;
  std::map<std::string, std::int64_t> open;  // unit → open connections at t
};

// At most `points` samples, evenly spaced over [start_ns, end_ns].
std::vector<SeriesPoint> connections_per_unit(std::span<const history::Event> history, std::int64_t start_ns,
                                              std::int64_t end_ns, std::size_t points);

struct VipTransition {
  std::int64_t t_ns = 0;
  std::string instance;
  std::string node;
  std::string from;
  std::string to;
  std::string reason;
};

std::vector<VipTransition> vip_transitions(std::span<const history::Event> history);

struct Takeover {
  std::size_t event = 0;  // timeline index
  std::string instance;
  std::string new_master;
  std::int64_t after_ns = 0;  // from the timeline event to the new MASTER
};

// For each window, the first MASTER transition of every VIP instance in it.
std::vector<Takeover> takeovers(std::span<const VipTransition> transitions, std::span<const EventWindow> windows);

}  // namespace wsfo::checks
