#pragma once
// A fleet holds one descriptor per client: use the whole hard limit.
#include <sys/resource.h>

namespace wsfo::clients {

inline void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace wsfo::clients
