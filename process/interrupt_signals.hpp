#pragma once
// The one place SIGINT and SIGTERM are handled in a process that owns
// children or network namespaces (`wsfo run`, the benches). The handler only
// writes the signal to a pipe; a watcher thread acts on it:
//
//   - While a GracefulStop exists, the first signal only asks the run to stop:
//     its clock wakes up, the timeline ends, the parts are stopped and the
//     reports written by the normal path; then the process ends itself by the
//     same signal (end_by_signal), so a shell sees 130 or 143.
//   - A second signal, or the first one when no GracefulStop exists, is a
//     quick exit: every UrgentTeardown runs (the testbed's namespaces hold
//     processes that are not our children and would outlive us), then the
//     process dies by that signal. Children die with it (PR_SET_PDEATHSIG).
//
// A SIGKILL cannot be caught: children still die by PDEATHSIG, and the next
// run removes a dead run's testbed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace wsfo::process {

// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal);

class GracefulStop {
 public:
  GracefulStop();
  ~GracefulStop();
  GracefulStop(const GracefulStop&) = delete;
  GracefulStop& operator=(const GracefulStop&) = delete;

  // The signal that asked for the stop; 0 while none has.
  int signal() const;
  bool requested() const { return signal() != 0; }
  // CLOCK_MONOTONIC (LiveClock::now_ns) when it arrived; 0 while none has.
  std::int64_t at_ns() const;
  // Sleeps until `deadline` or a stop request, whichever comes first; true
  // when the deadline was reached without one.
  bool sleep_until(std::chrono::steady_clock::time_point deadline) const;
  // Flushes std::cout and std::cerr, restores the default action of the
  // signal that asked for the stop and raises it. Returns only when no
  // signal has asked for one.
  void end_by_signal() const;
};

// Registers `teardown` for a quick exit by signal (see above) while it exists.
class UrgentTeardown {
 public:
  explicit UrgentTeardown(std::function<void(int signal)> teardown);
  ~UrgentTeardown();
  UrgentTeardown(const UrgentTeardown&) = delete;
  UrgentTeardown& operator=(const UrgentTeardown&) = delete;

 private:
  std::uint64_t id_ = 0;
};

}  // namespace wsfo::process
