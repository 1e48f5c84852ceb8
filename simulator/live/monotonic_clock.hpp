#pragma once
// The run clock of the engines that play on real processes.
#include <chrono>
#include <ostream>
#include <thread>

#include "core/run/nemesis.hpp"
#include "process/live_clock.hpp"

namespace wsfo::live {

// CLOCK_MONOTONIC, shared by every process of the run; on a terminal, a
// progress line every few seconds while it waits.
class MonotonicClock : public run::RunClock {
 public:
  MonotonicClock(bool progress, std::chrono::seconds total, std::ostream& log)
      : progress_(progress), total_(total), log_(log) {}

  std::int64_t now_ns() override { return process::LiveClock::now_ns(); }
  void sleep_until_ns(std::int64_t t_ns) override {
    using Steady = process::LiveClock::Steady;
    const Steady::time_point deadline{std::chrono::duration_cast<Steady::duration>(std::chrono::nanoseconds(t_ns))};
    while (progress_ && process::LiveClock::now() + std::chrono::seconds(5) < deadline) {
      std::this_thread::sleep_for(std::chrono::seconds(5));
      log_ << "  ... " << std::chrono::duration_cast<std::chrono::seconds>(process::LiveClock::now() - started_).count()
           << " s of " << total_.count() << " s" << std::endl;
    }
    std::this_thread::sleep_until(deadline);
  }

 private:
  bool progress_;
  std::chrono::seconds total_;
  std::ostream& log_;
  process::LiveClock::Steady::time_point started_ = process::LiveClock::now();
};

}  // namespace wsfo::live
