#pragma once
// CPU seconds and peak RSS of a running process, read from /proc before it is
// stopped (a reaped child's /proc entry is gone), so that a live run can say
// what each gateway and backend cost: `processes.json` in the run directory,
// which `wsfo bench fidelity` compares with the model's CPU figures.
#include <sys/types.h>

#include <optional>

namespace wsfo::live {

struct ProcessUsage {
  double cpu_s = 0;       // user + system, every thread
  long peak_rss_kib = 0;  // VmHWM
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessUsage> read_process_usage(pid_t pid);

}  // namespace wsfo::live
