#pragma once
// The run clock of the engines that play on real processes.
#include <chrono>
#include <ostream>
#include <string>
#include <thread>

#include "core/run/nemesis.hpp"
#include "process/interrupt_signals.hpp"
#include "process/live_clock.hpp"
#include "process/progress_line.hpp"

namespace wsfo::live {

// CLOCK_MONOTONIC, shared by every process of the run; on a terminal, while
// it waits, a progress line refreshed in place every second (erased before
// the player writes its next line). With a GracefulStop, a SIGINT or SIGTERM
// ends its waits at once and the player stops.
class MonotonicClock : public run::RunClock {
 public:
  MonotonicClock(bool progress, std::chrono::seconds total, std::ostream& log,
                 const process::GracefulStop* stop = nullptr)
      : progress_(log, progress, std::chrono::milliseconds(0)), total_(total), stop_(stop) {}

  std::int64_t now_ns() override { return process::LiveClock::now_ns(); }
  void sleep_until_ns(std::int64_t t_ns) override {
    using Steady = process::LiveClock::Steady;
    const Steady::time_point deadline{std::chrono::duration_cast<Steady::duration>(std::chrono::nanoseconds(t_ns))};
    while (progress_.enabled() && process::LiveClock::now() + std::chrono::seconds(1) < deadline) {
      if (!sleep_until(process::LiveClock::now() + std::chrono::seconds(1))) break;
      progress_.show(
          "  ... " +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(process::LiveClock::now() - started_).count()) +
          " s of " + std::to_string(total_.count()) + " s");
    }
    if (!stop_requested()) sleep_until(deadline);
    progress_.clear();
  }
  bool stop_requested() override { return stop_ != nullptr && stop_->requested(); }

 private:
  // false: a stop was requested before `deadline`.
  bool sleep_until(process::LiveClock::Steady::time_point deadline) {
    if (stop_ == nullptr) {
      std::this_thread::sleep_until(deadline);
      return true;
    }
    return stop_->sleep_until(deadline);
  }

  process::ProgressLine progress_;
  std::chrono::seconds total_;
  const process::GracefulStop* stop_;
  process::LiveClock::Steady::time_point started_ = process::LiveClock::now();
};

}  // namespace wsfo::live
