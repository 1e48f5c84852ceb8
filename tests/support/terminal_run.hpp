#pragma once
// Runs a command on a pseudo-terminal, as a person at a terminal would, to
// see what it shows only there (progress lines). The terminal turns each
// "\n" into "\r\n"; a progress line is told apart by a "\r" before its text.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace wsfo::test_support {

struct TerminalRun {
  std::string out;  // stdout and stderr, as the terminal got them
  int status = -1;  // as from waitpid
  bool exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  int exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
};

// Everything `args` (args[0]: the program) writes on a pseudo-terminal of
// `columns` until it exits; killed (and a test failure) when it outlives `limit`.
inline TerminalRun run_on_a_terminal(const std::vector<std::string>& args, std::chrono::seconds limit,
                                     unsigned short columns = 200) {
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  winsize size{};
  size.ws_row = 50;
  size.ws_col = columns;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  TerminalRun run;
  EXPECT_GT(pid, 0);
  if (pid < 0) return run;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool ended = false;
  for (char buffer[4096]; std::chrono::steady_clock::now() < deadline;) {
    pollfd fd{master, POLLIN, 0};
    if (::poll(&fd, 1, 1000) <= 0) continue;
    ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) {  // EIO: the child closed its side
      ended = true;
      break;
    }
    run.out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(master);
  if (!ended) {
    ADD_FAILURE() << args[0] << " still ran after " << limit.count() << " s; its output so far:\n" << run.out;
    ::kill(-pid, SIGKILL);  // forkpty made it a session and group leader: its children go too
  }
  ::waitpid(pid, &run.status, 0);
  return run;
}

}  // namespace wsfo::test_support
