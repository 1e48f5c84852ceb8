#pragma once
// The arithmetic of `wsfo calibrate`: a straight line through measured points
// by least squares (cost = fixed + slope x load), and a process's CPU time
// read at nanosecond resolution.
#include <sys/types.h>

#include <string>
#include <vector>

namespace wsfo::bench {

struct Point {
  double x = 0;  // the load of one measurement (KiB per message, clients per broadcast)
  double y = 0;  // the cost measured at that load (us of CPU)
};

struct LineFit {
  double intercept = 0;  // cost at x = 0
  double slope = 0;      // cost per unit of x
  std::string error;     // empty when the fit exists
};

// Ordinary least squares; needs two points with different x.
LineFit fit_line(const std::vector<Point>& points);

// User + system CPU seconds of a running process, from its CPU-time clock
// (clock_getcpuclockid: nanoseconds, where /proc/PID/stat counts 10 ms
// ticks). -1 when the process cannot be read.
double process_cpu_seconds(pid_t pid);

}  // namespace wsfo::bench
