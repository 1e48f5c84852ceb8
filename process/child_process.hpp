#pragma once
// The one way wsfo starts a child process (`wsfo run`'s parts, the benches'
// peers, the component tests' subjects): stdout on a pipe (read with
// timeouts, e.g. for the "ready" line) or into a log file, stderr on a pipe,
// appended to a log file or shared with ours. The child is killed (SIGKILL)
// and reaped on destruction, so nothing is left behind, and it also gets
// SIGKILL if its parent dies (PR_SET_PDEATHSIG), even when the parent itself
// is SIGKILLed.
//
// A child that cannot be started is an exception naming the executable and
// the cause (errno text), never a silent exit 127: that is how a part whose
// arguments were too long (E2BIG) once went unnoticed. Bulk inputs belong in
// files, not in arguments.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::process {

struct ExitStatus {
  bool exited = false;   // false: killed by `signal`
  int code = 0;          // exit code when exited
  int signal = 0;        // terminating signal otherwise
  long max_rss_kib = 0;  // peak resident set size of the child (getrusage's ru_maxrss)

  // "exit code 1", "killed by signal 9 (Killed)".
  std::string describe() const;
};

struct ChildOptions {
  // stderr is appended to this file instead of a pipe, so a chatty
  // long-running child never blocks on a full pipe. Empty: a pipe.
  std::string log_file;
  // stdout goes to `log_file` as well, for children whose output is only
  // read afterwards (read_stdout_line then sees end of file at once).
  bool stdout_to_log = false;
  // Without a log file, stderr is ours rather than a pipe nobody may read.
  bool inherit_stderr = false;
};

class ChildProcess {
 public:
  // argv[0] is the path of the executable (no PATH search). Throws
  // std::runtime_error "ARGV0: CAUSE" when it cannot be started, e.g.
  // "/usr/bin/wsfo: Argument list too long (...)" or
  // "/no/such: No such file or directory".
  ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options);
  explicit ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_log = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log_file() const { return log_file_; }

  // The next line the child writes on stdout, without the '\n'; nullopt on
  // timeout or end of file.
  std::optional<std::string> read_stdout_line(std::chrono::milliseconds timeout);
  // Everything the child writes on stderr until it closes it (usually: exits)
  // or the timeout passes. The pipe holds 64 KiB: read it if the child is chatty.
  std::string read_stderr(std::chrono::milliseconds timeout);

  void send_signal(int signal);
  // Without blocking: nullopt while the child runs, else how it ended (it is
  // reaped then, and the same answer is given from then on).
  std::optional<ExitStatus> try_wait();
  // nullopt when the child is still running after `timeout`.
  std::optional<ExitStatus> wait_for_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string log_file_;
  std::string stdout_buffer_;
  std::optional<ExitStatus> exit_status_;
};

// The last non-empty line of a log file, without trailing blanks; "" when the
// file is missing or holds no text. Only the file's tail is read.
std::string last_log_line(const std::string& path);

// "exit code 1; last log line: ..." (or "; its log PATH is empty"): how a
// child ended and its last words.
std::string describe_end(const ExitStatus& status, const std::string& log_file);

// "PART died: exit code 1; last log line: ..." (or "; its log is empty"),
// for a part that ended without being told to.
std::string describe_death(const std::string& part, const ExitStatus& status, const std::string& log_file);

}  // namespace wsfo::process
