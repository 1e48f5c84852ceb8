#pragma once
// The descriptors each part of a live run may open: this process's soft
// RLIMIT_NOFILE, which the gateways and backends it starts inherit and keep
// (the client fleets raise theirs to the hard limit and check it themselves).
#include <sys/resource.h>

#include <cstddef>
#include <limits>

namespace wsfo::cli {

inline std::size_t part_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return std::numeric_limits<std::size_t>::max();
  return static_cast<std::size_t>(limit.rlim_cur);
}

}  // namespace wsfo::cli
