#pragma once
// `wsfo backend`: the scripted backend unit (DESIGN.md §1, backends). Kept
// free of Asio and Beast so the CLI compiles quickly.
#include <ostream>

#include "simulator/backend/backend_options.hpp"

namespace wsfo::backend {

// Exit status of a --crash-after crash (sysexits' EX_SOFTWARE), so that an
// orchestrator can tell it from a clean exit or a signal.
inline constexpr int kCrashExitStatus = 70;

// Listens, prints "ready HOST:PORT" on `ready_out` (flushed), serves until
// SIGTERM or SIGINT, closes every client with 1001 and returns 0 (within about
// 2 s). Returns 2 when it cannot listen or its TLS files do not make a server
// (a key that does not match). With crash_after it _exit()s instead.
int run_backend(const BackendOptions& options, std::ostream& ready_out);

}  // namespace wsfo::backend
