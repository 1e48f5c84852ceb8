#include "simulator/bench/calibration_fit.hpp"

#include <time.h>

#include <cmath>

#include "simulator/bench/bench_peers.hpp"

namespace wsfo::bench {

LineFit fit_line(const std::vector<Point>& points) {
  LineFit fit;
  if (points.size() < 2) {
    fit.error = "a line needs at least two points, got " + std::to_string(points.size());
    return fit;
  }
  double n = static_cast<double>(points.size()), mean_x = 0, mean_y = 0;
  for (const auto& p : points) {
    mean_x += p.x / n;
    mean_y += p.y / n;
  }
  double sxx = 0, sxy = 0;
  for (const auto& p : points) {
    sxx += (p.x - mean_x) * (p.x - mean_x);
    sxy += (p.x - mean_x) * (p.y - mean_y);
  }
  if (!(sxx > 1e-12 * (1 + mean_x * mean_x))) {
    fit.error = "every point has the same load";
    return fit;
  }
  fit.slope = sxy / sxx;
  fit.intercept = mean_y - fit.slope * mean_x;
  return fit;
}

double process_cpu_seconds(pid_t pid) {
  clockid_t clock{};
  timespec now{};
  if (::clock_getcpuclockid(pid, &clock) == 0 && ::clock_gettime(clock, &now) == 0)
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
  return cpu_seconds(pid);  // coarser, but still the same process's figure
}

}  // namespace wsfo::bench
