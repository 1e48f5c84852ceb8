#pragma once
// A fleet holds one descriptor per client: use the whole hard limit, and
// refuse up front a fleet the limit cannot hold, rather than failing its
// last clients one by one with "Too many open files".
#include <sys/resource.h>

#include <cstddef>
#include <string>

namespace wsfo::clients {

// Descriptors a fleet process needs besides its clients' sockets (stdio,
// the events file, the io_context's epoll and eventfd, a few more).
inline constexpr std::size_t kDescriptorReserve = 64;

// Raises the soft limit to the hard one; returns the limit now in force.
inline std::size_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

// Why `clients` clients cannot run in this process, or "".
inline std::string descriptor_shortage(std::size_t clients) {
  const std::size_t limit = raise_descriptor_limit();
  if (limit == 0 || limit >= clients + kDescriptorReserve) return {};
  return std::to_string(clients) + " clients need " + std::to_string(clients + kDescriptorReserve) +
         " descriptors, and this process may open " + std::to_string(limit) +
         " (ulimit -n); start fewer clients per process or raise the limit";
}

}  // namespace wsfo::clients
