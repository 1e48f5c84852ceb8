#include "core/clients/latency_summary.hpp"

#include <algorithm>
#include <cmath>

namespace wsfo::clients {

void LatencySamples::merge(const LatencySamples& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
}

std::chrono::nanoseconds LatencySamples::percentile(double p) const {
  if (samples_.empty()) return std::chrono::nanoseconds(0);
  std::sort(samples_.begin(), samples_.end());
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples_.size())));
  if (rank == 0) rank = 1;
  return std::chrono::nanoseconds(samples_[rank - 1]);
}

}  // namespace wsfo::clients
