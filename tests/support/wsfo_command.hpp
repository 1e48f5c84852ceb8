#pragma once
// Runs this build's wsfo with arguments to its end, as the command tests do:
// stdout line by line (so a chatty command never blocks), stderr at the end.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "process/child_process.hpp"

namespace wsfo::test_support {

struct CommandRun {
  std::string out;
  std::string err;
  process::ExitStatus status;
};

// Fails the test (and returns what it read) when the command outlives `limit`.
inline CommandRun run_wsfo(const std::vector<std::string>& args, std::chrono::seconds limit) {
  std::vector<std::string> argv{WSFO_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  process::ChildProcess child(argv);
  CommandRun run;
  for (auto deadline = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < deadline;) {
    auto line = child.read_stdout_line(std::chrono::seconds(5));
    if (line) {
      run.out += *line + "\n";
      continue;
    }
    if (auto status = child.wait_for_exit(std::chrono::milliseconds(0))) {
      run.status = *status;
      run.err = child.read_stderr(std::chrono::seconds(1));
      return run;
    }
  }
  ADD_FAILURE() << "wsfo " << (args.empty() ? "" : args[0]) << " did not finish within " << limit.count()
                << " s; output so far:\n"
                << run.out;
  return run;
}

}  // namespace wsfo::test_support
