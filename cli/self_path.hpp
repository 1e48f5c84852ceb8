#pragma once
// The running wsfo binary, for commands that start more of themselves
// (run, simulate, bench, calibrate), and where its data files are.
#include <string>

namespace wsfo::cli {

// /proc/self/exe; "wsfo" (found on PATH) when it cannot be read.
std::string self_path();

// This process's arguments joined by spaces (/proc/self/cmdline), which the
// benchmarks print with their figures.
std::string own_command_line();

// Where wsfo's data files are (scenarios/, with both schemas): beside an
// installed binary, <prefix>/share/wsfo for <prefix>/bin/wsfo (`cmake
// --install`, the .deb); else the source tree this binary was built from.
std::string data_dir();

// A file or folder under data_dir(), e.g. "scenarios/seed-msha-cutover.json".
std::string data_path(const std::string& relative);

}  // namespace wsfo::cli
