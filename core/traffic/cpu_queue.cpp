#include "core/traffic/cpu_queue.hpp"

#include <algorithm>
#include <cmath>

#include "core/traffic/shared_cores.hpp"

namespace wsfo::traffic {

// The CPU serves one ns of work per ns while anything is queued; fluid
// arrivals at a rate below 1 are served as they come once the backlog is
// gone, and above 1 the backlog grows by the excess.
void CpuQueue::advance(std::int64_t t_ns) {
  if (machine_) return machine_->sync(t_ns);
  if (t_ns > t_) run_for(t_ns - t_, 1.0);
}

void CpuQueue::run_for(std::int64_t dt_ns, double speed) {
  const double dt = static_cast<double>(dt_ns);
  const double arrived = rate_ * dt;
  const double left = std::max(0.0, backlog_ + arrived - speed * dt);
  served_ += backlog_ + arrived - left;
  backlog_ = left;
  t_ += dt_ns;
}

double CpuQueue::demand() const { return backlog_ > 0 ? 1.0 : std::min(rate_, 1.0); }

std::int64_t CpuQueue::drain_ns() const {
  return machine_ ? machine_->drain_ns(*this) : static_cast<std::int64_t>(std::ceil(backlog_));
}

void CpuQueue::set_rate(std::int64_t t_ns, double rate) {
  advance(t_ns);
  rate_ = std::max(0.0, rate);
}

std::int64_t CpuQueue::add(std::int64_t t_ns, std::int64_t work_ns) {
  advance(t_ns);
  backlog_ += static_cast<double>(std::max<std::int64_t>(0, work_ns));
  return std::max(t_, t_ns) + drain_ns();
}

std::int64_t CpuQueue::delay_at(std::int64_t t_ns) {
  advance(t_ns);
  return drain_ns();
}

void CpuQueue::clear(std::int64_t t_ns) {
  advance(t_ns);
  backlog_ = 0;
}

}  // namespace wsfo::traffic
