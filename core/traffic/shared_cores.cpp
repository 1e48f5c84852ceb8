#include "core/traffic/shared_cores.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace wsfo::traffic {

void SharedCores::attach(CpuQueue& queue) {
  sync(queue.t_);
  queue.advance(t_);  // alone up to the machine's instant, then with it
  queue.machine_ = this;
  queues_.push_back(&queue);
}

std::vector<double> SharedCores::shares(const std::vector<double>& demands) const {
  std::vector<std::size_t> order(demands.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return demands[a] < demands[b]; });
  std::vector<double> out(demands.size(), 0.0);
  double left = cores_;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const double fair = left / static_cast<double>(order.size() - k);
    out[order[k]] = std::min(demands[order[k]], fair);
    left -= out[order[k]];
  }
  return out;
}

double SharedCores::Load::demand() const { return backlog > 0 ? 1.0 : std::min(rate, 1.0); }

std::int64_t SharedCores::piece(const std::vector<Load>& loads, std::int64_t limit, std::vector<double>& speed) const {
  std::vector<double> demands(loads.size());
  for (std::size_t i = 0; i < loads.size(); ++i) demands[i] = loads[i].demand();
  speed = shares(demands);
  std::int64_t dt = limit;
  for (std::size_t i = 0; i < loads.size(); ++i) {
    const double drain = speed[i] - loads[i].rate;
    if (loads[i].backlog > 0 && drain > 0) {
      const double until_empty = std::ceil(loads[i].backlog / drain);
      if (until_empty < static_cast<double>(dt)) dt = std::max<std::int64_t>(1, static_cast<std::int64_t>(until_empty));
    }
  }
  return dt;
}

void SharedCores::sync(std::int64_t t_ns) {
  std::vector<Load> loads(queues_.size());
  std::vector<double> speed;
  while (t_ < t_ns) {
    for (std::size_t i = 0; i < queues_.size(); ++i) loads[i] = {queues_[i]->backlog_, queues_[i]->rate_};
    const std::int64_t dt = piece(loads, t_ns - t_, speed);
    for (std::size_t i = 0; i < queues_.size(); ++i) queues_[i]->run_for(dt, speed[i]);
    t_ += dt;
  }
}

std::int64_t SharedCores::drain_ns(const CpuQueue& queue) const {
  std::size_t self = queues_.size();
  std::vector<Load> loads(queues_.size());
  for (std::size_t i = 0; i < queues_.size(); ++i) {
    loads[i] = {queues_[i]->backlog_, queues_[i]->rate_};
    if (queues_[i] == &queue) self = i;
  }
  if (self == queues_.size()) return static_cast<std::int64_t>(std::ceil(queue.backlog_));
  // Every piece ends with a queue running dry, so there are at most as many
  // pieces as queues before this one does; a queue whose fluid arrivals
  // outrun its share never drains, and its backlog is waited on at that share.
  constexpr std::int64_t kHorizonNs = std::int64_t{1} << 50;
  std::vector<double> speed;
  std::int64_t elapsed = 0;
  for (std::size_t pieces = 0; pieces <= queues_.size() && loads[self].backlog > 0; ++pieces) {
    const std::int64_t dt = piece(loads, kHorizonNs, speed);
    if (dt == kHorizonNs) break;
    for (std::size_t i = 0; i < loads.size(); ++i) {
      const double d = static_cast<double>(dt);
      loads[i].backlog = std::max(0.0, loads[i].backlog + loads[i].rate * d - speed[i] * d);
    }
    elapsed += dt;
  }
  if (loads[self].backlog > 0)
    elapsed += static_cast<std::int64_t>(std::ceil(loads[self].backlog / std::max(speed[self], 1e-9)));
  return elapsed;
}

}  // namespace wsfo::traffic
