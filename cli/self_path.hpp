#pragma once
// The running wsfo binary, for commands that start more of themselves
// (run, simulate, bench, calibrate).
#include <string>

namespace wsfo::cli {

// /proc/self/exe; "wsfo" (found on PATH) when it cannot be read.
std::string self_path();

// This process's arguments joined by spaces (/proc/self/cmdline), which the
// benchmarks print with their figures.
std::string own_command_line();

}  // namespace wsfo::cli
