#include "core/traffic/read_coalescer.hpp"

#include <algorithm>
#include <cmath>

namespace wsfo::traffic {

// The CPU works through a batch's reads evenly over its span of the queue.
std::uint64_t ReadCoalescer::new_reads(std::uint64_t connections, double served) {
  while (!batches_.empty() && batches_.front().to <= served) batches_.pop_front();
  double pending = 0;
  for (const Batch& b : batches_) {
    const double done = b.to > b.from ? std::clamp((served - b.from) / (b.to - b.from), 0.0, 1.0) : 1.0;
    pending += static_cast<double>(b.reads) * (1.0 - done);
  }
  const auto waiting = static_cast<std::uint64_t>(std::llround(pending));
  return connections > waiting ? connections - waiting : 0;
}

void ReadCoalescer::queued(std::uint64_t reads, double from, double to) {
  if (reads) batches_.push_back({from, to, reads});
}

}  // namespace wsfo::traffic
