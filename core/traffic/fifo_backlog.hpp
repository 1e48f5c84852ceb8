#pragma once
// A host's queue of relay work, first in first out: work (CPU nanoseconds)
// arrives per time step, the host serves what it really gave (SimGrid says
// how much CPU the step got, shared with handshakes), and the queue delay is
// how long the work still queued will take at that rate. A message relayed
// now waits that long before the host gets to it.
#include <cstdint>

namespace wsfo::traffic {

class FifoBacklog {
 public:
  void arrive(std::int64_t work_ns) { pending_ += work_ns; }
  std::int64_t pending_ns() const { return pending_; }
  // Over `wall_ns` of time the host served `work_ns` of the pending work.
  void served(std::int64_t work_ns, std::int64_t wall_ns);
  // How long work arriving now waits before the host starts on it.
  std::int64_t delay_ns() const { return delay_; }

 private:
  std::int64_t pending_ = 0;
  std::int64_t delay_ = 0;
};

}  // namespace wsfo::traffic
