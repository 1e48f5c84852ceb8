#pragma once
// `wsfo bench takeover`'s pure part (docs/vrrp.md "Takeover timings"): from
// what one run recorded (the instant of the fault, the `vip` events of both
// nodes, the adverts the backup heard from the master) to takeover figures,
// their medians over runs, keepalived's expected values, and the verdict on
// the emulation against the real stack.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/history/event.hpp"
#include "core/vrrp/vrrp_timing.hpp"

namespace wsfo::vrrp {

enum class TakeoverFigure {
  hard_loss_from_fault,        // SIGKILL of the master → the backup's MASTER
  hard_loss_from_last_advert,  // the last advert the backup heard → its MASTER
  graceful_from_fault,         // SIGTERM (a priority-0 advert) → the backup's MASTER
  preempt_from_start,          // the higher node started again → its MASTER
};

inline constexpr std::array<TakeoverFigure, 4> kTakeoverFigures = {
    TakeoverFigure::hard_loss_from_fault, TakeoverFigure::hard_loss_from_last_advert,
    TakeoverFigure::graceful_from_fault, TakeoverFigure::preempt_from_start};

// "hard loss (SIGKILL), from the fault", ...
const char* describe(TakeoverFigure figure);

// The two nodes of the bench: priorities `master_priority` (the first MASTER)
// and `backup_priority`, one advert interval, keepalived's VRRPv2 timers.
struct TakeoverSetup {
  Duration advert_interval = std::chrono::seconds(1);
  int master_priority = 100;
  int backup_priority = 50;
};

struct TakeoverExpectation {
  Duration value{};
  std::string formula;  // how keepalived's timers give it, for the table
};

// What keepalived's timers predict. From the fault of a hard loss the wait is
// the backup's Master_Down_Interval less the time since the last advert, so
// anywhere in (MDI - advert_int, MDI]; with fault phases spread evenly over
// the interval its median is MDI - advert_int / 2.
TakeoverExpectation expected_takeover(TakeoverFigure figure, const TakeoverSetup& setup);

// What one run recorded, every instant on CLOCK_MONOTONIC in nanoseconds.
struct TakeoverRecording {
  std::int64_t fault_ns = 0;                   // the signal sent; for a preempt, the higher node started again
  std::vector<history::Event> events;          // the `vip` events of both nodes (others are ignored)
  std::vector<std::int64_t> adverts_heard_ns;  // the old master's adverts as the backup received them
};

// The first `vip` event of `node` entering MASTER at or after `after_ns`.
std::optional<std::int64_t> first_master_after(const std::vector<history::Event>& events, const std::string& node,
                                               std::int64_t after_ns);

struct TakeoverSample {
  TakeoverFigure figure;
  std::optional<Duration> value;
  std::string problem;  // why there is no value: "no MASTER of server2 after the fault", ...
};

// Hard loss: both figures, the new master being `backup_node`.
std::vector<TakeoverSample> hard_loss_samples(const TakeoverRecording& run, const std::string& backup_node);
// Graceful stop: the backup's MASTER after the fault.
TakeoverSample graceful_sample(const TakeoverRecording& run, const std::string& backup_node);
// Preempt back: `higher_node`'s MASTER after its start.
TakeoverSample preempt_sample(const TakeoverRecording& run, const std::string& higher_node);

struct FigureSummary {
  std::size_t runs = 0;                      // samples, with or without a value
  std::size_t missing = 0;                   // samples without a value
  std::optional<Duration> median, min, max;  // over the values; the mean of the middle two for an even count
};

FigureSummary summarize(const std::vector<TakeoverSample>& samples);

inline constexpr double kTakeoverTolerance = 0.10;

struct FigureVerdict {
  std::optional<double> ratio;  // emulation median / real median
  bool pass = false;            // every run gave a value on both stacks, and |ratio - 1| <= tolerance
  std::string problem;          // why it failed when not on the ratio: "2 of 5 real runs gave no value"
};

FigureVerdict judge(const FigureSummary& emulation, const FigureSummary& real, double tolerance = kTakeoverTolerance);

// Fault phases for `runs` runs: run i waits (i + u_i) / runs of an advert
// interval after the master's first MASTER, u_i drawn from `uniform_draws`
// (values in [0, 1), one per run; a missing or out-of-range draw counts as
// 0.5). Both stacks get the same list, so their from-fault medians compare
// the mechanisms rather than two draws of the phase.
std::vector<Duration> stratified_phases(std::size_t runs, Duration advert_interval,
                                        const std::vector<double>& uniform_draws);

}  // namespace wsfo::vrrp
