#include "core/traffic/cpu_queue.hpp"

#include <algorithm>

namespace wsfo::traffic {

// The CPU serves one ns of work per ns while anything is queued; fluid
// arrivals at a rate below 1 are served as they come once the backlog is
// gone, and above 1 the backlog grows by the excess.
void CpuQueue::advance(std::int64_t t_ns) {
  if (t_ns <= t_) return;
  const double dt = static_cast<double>(t_ns - t_);
  const double arrived = rate_ * dt;
  const double left = std::max(0.0, backlog_ + arrived - dt);
  served_ += backlog_ + arrived - left;
  backlog_ = left;
  t_ = t_ns;
}

void CpuQueue::set_rate(std::int64_t t_ns, double rate) {
  advance(t_ns);
  rate_ = std::max(0.0, rate);
}

std::int64_t CpuQueue::add(std::int64_t t_ns, std::int64_t work_ns) {
  advance(t_ns);
  backlog_ += static_cast<double>(std::max<std::int64_t>(0, work_ns));
  return std::max(t_, t_ns) + static_cast<std::int64_t>(backlog_);
}

std::int64_t CpuQueue::delay_at(std::int64_t t_ns) {
  advance(t_ns);
  return static_cast<std::int64_t>(backlog_);
}

void CpuQueue::clear(std::int64_t t_ns) {
  advance(t_ns);
  backlog_ = 0;
}

}  // namespace wsfo::traffic
