#pragma once
// Component tests use the same child-process handling as `wsfo run`.
#include "simulator/live/child_process.hpp"

namespace wsfo::test {
using live::ChildProcess;
using live::ExitStatus;
}  // namespace wsfo::test
