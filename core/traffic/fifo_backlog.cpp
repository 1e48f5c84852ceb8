#include "core/traffic/fifo_backlog.hpp"

#include <algorithm>

namespace wsfo::traffic {

void FifoBacklog::served(std::int64_t work_ns, std::int64_t wall_ns) {
  work_ns = std::clamp<std::int64_t>(work_ns, 0, pending_);
  pending_ -= work_ns;
  if (pending_ == 0) {
    delay_ = 0;
  } else if (work_ns > 0) {  // the rest drains at the rate this step gave
    delay_ = static_cast<std::int64_t>(static_cast<double>(pending_) * static_cast<double>(wall_ns) /
                                       static_cast<double>(work_ns));
  } else {  // nothing moved: the queue waited the whole step longer
    delay_ += wall_ns;
  }
}

}  // namespace wsfo::traffic
