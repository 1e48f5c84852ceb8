#include "simulator/bench/held_connections_cost.hpp"

#include <thread>

#include "simulator/bench/bench_peers.hpp"
#include "simulator/bench/calibration_fit.hpp"

namespace wsfo::bench {

double cpu_when_idle(pid_t pid, std::chrono::milliseconds quiet, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  double last = process_cpu_seconds(pid);
  auto still_since = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    double now = process_cpu_seconds(pid);
    if (now - last > 1e-4) {  // 100 us: anything more is work, not a timer's tick
      last = now;
      still_since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - still_since >= quiet) {
      return now;
    }
  }
  return process_cpu_seconds(pid);
}

HeldConnectionsCost measure_held_connections(pid_t pid, const Target& target, std::size_t count) {
  using namespace std::chrono_literals;
  HeldConnectionsCost cost;
  cost.rss_before_kib = resident_kib(pid);
  IdleConnections idle;
  const double before = cpu_when_idle(pid, 200ms, 5s);
  cost.opened = idle.open(target, count, 30s);
  idle.wait_quiet(500ms, 30s);
  const double held = cpu_when_idle(pid, 200ms, 5s);
  cost.rss_held_kib = resident_kib(pid);
  idle.close();
  const double after = cpu_when_idle(pid, 300ms, 30s);
  cost.open_cpu_s = held - before;
  cost.close_cpu_s = after - held;
  return cost;
}

}  // namespace wsfo::bench
