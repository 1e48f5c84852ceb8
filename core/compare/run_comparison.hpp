#pragma once
// Two runs of one scenario on two stacks, compared timeline event by timeline
// event: who disconnected, how long each VIP took to move, how fast the
// clients came back, how many sat on dead connections; then every routerId
// whose fate differs, sorted into a named mechanism (mechanism.hpp), and
// every takeover time that differs by more than the tolerance.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/compare/client_fate.hpp"
#include "core/compare/mechanism.hpp"
#include "core/compare/run_view.hpp"

namespace wsfo::compare {

// One stack's figures for one event.
struct SideFigures {
  std::size_t disconnected = 0;
  std::size_t reconnected = 0;
  std::optional<std::int64_t> reconnect_p99_ns;     // nullopt: nobody reconnected
  std::map<std::string, std::int64_t> takeover_ns;  // VIP instance → from the event to its new MASTER
  std::uint64_t silent_affected = 0;                // on the node when its VIP left
  std::uint64_t silent_noticed_later = 0;
  std::uint64_t silent_not_noticed = 0;
};

struct EventComparison {
  std::size_t index = 0;
  std::string action;
  SideFigures a, b;
  std::vector<std::uint64_t> disconnected_only_a, disconnected_only_b;  // sorted
};

struct FateDifference {
  std::size_t event = 0;
  std::uint64_t router_id = 0;
  Mechanism mechanism = Mechanism::unexplained;
  SideFate a, b;
};

// A VIP that moved on one stack and not the other, or whose takeover times
// differ by more than max(10% of the larger, 300 ms).
struct TakeoverDifference {
  std::size_t event = 0;
  std::string vip;
  std::optional<std::int64_t> a_ns, b_ns;  // nullopt: no takeover in the window
};

inline constexpr std::int64_t kTakeoverToleranceFloorNs = 300'000'000;
inline constexpr double kTakeoverTolerance = 0.10;

bool takeovers_differ(std::optional<std::int64_t> a_ns, std::optional<std::int64_t> b_ns);

struct Comparison {
  std::string label_a, label_b;
  std::vector<EventComparison> events;
  std::vector<FateDifference> differences;  // by event, then routerId
  std::vector<TakeoverDifference> takeover_differences;
  // The runs cannot be compared event by event (their timelines differ); each a one-line reason.
  std::vector<std::string> problems;

  std::size_t unexplained() const;
  std::map<Mechanism, std::size_t> count_by_mechanism() const;
};

Comparison compare_runs(const RunView& a, const RunView& b);

}  // namespace wsfo::compare
