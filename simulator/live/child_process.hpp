#pragma once
// The launcher moved to process/; live_runner.cpp still includes this path.
#include "process/child_process.hpp"

namespace wsfo::live {
using process::ChildProcess;
using process::ExitStatus;
}  // namespace wsfo::live
