#pragma once
// A child process of `wsfo run` or of a component test: stdout on a pipe
// (read with timeouts, e.g. for the "ready" line), stderr on a pipe or
// appended to a log file, killed (SIGKILL) and reaped on destruction, so
// nothing is left behind. The child also gets SIGKILL if its parent dies
// (PR_SET_PDEATHSIG), even when the parent itself is SIGKILLed.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::live {

struct ExitStatus {
  bool exited = false;  // false: killed by `signal`
  int code = 0;         // exit code when exited
  int signal = 0;       // terminating signal otherwise

  std::string describe() const;
};

class ChildProcess {
 public:
  // argv[0] is the path of the executable. Throws std::runtime_error when it
  // cannot be started (an exec failure shows as exit code 127).
  // With `stderr_log`, stderr is appended to that file instead of a pipe, so
  // a chatty long-running child never blocks on a full pipe.
  explicit ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_log = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The next line the child writes on stdout, without the '\n'; nullopt on
  // timeout or end of file.
  std::optional<std::string> read_stdout_line(std::chrono::milliseconds timeout);
  // Everything the child writes on stderr until it closes it (usually: exits)
  // or the timeout passes. The pipe holds 64 KiB: read it if the child is chatty.
  std::string read_stderr(std::chrono::milliseconds timeout);

  void send_signal(int signal);
  // nullopt when the child is still running after `timeout`.
  std::optional<ExitStatus> wait_for_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stdout_buffer_;
  std::optional<ExitStatus> exit_status_;
};

}  // namespace wsfo::live
