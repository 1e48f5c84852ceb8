#pragma once
// One host's CPU as the live gateway's single io thread serves it: one
// queue, first come first served. Work arrives either at once (a handshake
// chunk, an accepted connection's welcome, echo and announcement fan-out)
// or as a fluid rate over a time step (broadcasts and heartbeats of many
// connections, cheap for a million clients); whatever arrived before a piece
// of work is served before it. The queue delay is how long work arriving
// now waits before the CPU gets to it. Times are virtual nanoseconds and
// never go back.
#include <cstdint>

namespace wsfo::traffic {

class SharedCores;

class CpuQueue {
 public:
  // From `t_ns` on, work arrives evenly at `rate` CPU-ns per ns (0: none).
  void set_rate(std::int64_t t_ns, double rate);
  // `work_ns` arrives at once at `t_ns`, after everything queued; returns
  // the instant the CPU finishes it.
  std::int64_t add(std::int64_t t_ns, std::int64_t work_ns);
  // How long work arriving at `t_ns` waits.
  std::int64_t delay_at(std::int64_t t_ns);
  // CPU time served up to the last instant the queue was told of.
  std::int64_t served_ns() const { return static_cast<std::int64_t>(served_); }
  // Positions in the queue, in CPU-ns since the start, at `t_ns`: how far
  // the CPU got, and where work arriving now goes.
  double served_at(std::int64_t t_ns) {
    advance(t_ns);
    return served_;
  }
  double tail_at(std::int64_t t_ns) {
    advance(t_ns);
    return served_ + backlog_;
  }
  // The host died: what was queued dies with it.
  void clear(std::int64_t t_ns);

 private:
  friend class SharedCores;
  // Brings the queue to `t_ns`: alone, at one core; on a shared machine,
  // every queue of the machine together.
  void advance(std::int64_t t_ns);
  // Serves for `dt_ns` at `speed` cores (the machine's share of this queue).
  void run_for(std::int64_t dt_ns, double speed);
  // How long the backlog takes at the speed it gets while busy.
  std::int64_t drain_ns() const;
  // Cores it asks for: one while anything is queued, else its arrival rate.
  double demand() const;

  SharedCores* machine_ = nullptr;

  std::int64_t t_ = 0;  // the instant backlog_ is for
  double backlog_ = 0;  // CPU-ns queued at t_
  double rate_ = 0;     // fluid arrivals, CPU-ns per ns
  double served_ = 0;   // CPU-ns served up to t_
};

}  // namespace wsfo::traffic
