#pragma once
// Percentiles of latencies collected during a run (reconnect, handshake).
#include <chrono>
#include <cstdint>
#include <vector>

namespace wsfo::clients {

class LatencySamples {
 public:
  void add(std::chrono::nanoseconds sample) { samples_.push_back(sample.count()); }
  void merge(const LatencySamples& other);
  std::size_t count() const { return samples_.size(); }
  // Nearest-rank percentile, p in [0, 100]; 0 when empty.
  std::chrono::nanoseconds percentile(double p) const;
  std::chrono::nanoseconds max() const { return percentile(100); }

 private:
  mutable std::vector<std::int64_t> samples_;
};

}  // namespace wsfo::clients
