#pragma once
// Processes sharing one machine's cores, as every part of a live run shares
// this machine's two: each process is single-threaded (its CpuQueue is
// served at most at one core), and the cores are shared fairly among the
// processes that ask for them (max-min fair: one with little fluid work gets
// all of it, the busy ones split the rest). The queues advance together,
// piecewise between the instants one of them runs dry, so a storm on one
// gateway slows every process that is busy at the same time.
#include <cstdint>
#include <vector>

#include "core/traffic/cpu_queue.hpp"

namespace wsfo::traffic {

class SharedCores {
 public:
  explicit SharedCores(double cores) : cores_(cores) {}
  SharedCores(const SharedCores&) = delete;
  SharedCores& operator=(const SharedCores&) = delete;

  // The queue runs on this machine from now on; it must not move afterwards.
  void attach(CpuQueue& queue);
  // Every attached queue served up to `t_ns`.
  void sync(std::int64_t t_ns);
  // How long `queue`'s backlog takes from the machine's instant: the shares
  // play forward as the other queues run dry (their fluid arrivals go on),
  // nothing new arriving.
  std::int64_t drain_ns(const CpuQueue& queue) const;
  double cores() const { return cores_; }

 private:
  struct Load {
    double backlog = 0, rate = 0;
    double demand() const;
  };
  // Max-min fair shares of the cores for these demands (each at most 1).
  std::vector<double> shares(const std::vector<double>& demands) const;
  // The next piece: how long the shares of `loads` hold (at most `limit`);
  // `speed` gets them.
  std::int64_t piece(const std::vector<Load>& loads, std::int64_t limit, std::vector<double>& speed) const;

  double cores_;
  std::int64_t t_ = 0;
  std::vector<CpuQueue*> queues_;
};

}  // namespace wsfo::traffic
