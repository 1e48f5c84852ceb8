#pragma once
// CLOCK_MONOTONIC in nanoseconds: the time base of every event of a run, shared
// by all processes of one machine so their histories merge.
#include <time.h>

#include <cstdint>

namespace wsfo::clients {

inline std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline std::int64_t wall_clock_ms() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

}  // namespace wsfo::clients
