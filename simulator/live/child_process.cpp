#include "simulator/live/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace wsfo::live {

namespace {

using Clock = std::chrono::steady_clock;

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// Reads what is available on `fd` into `out` within the time left until
// `deadline`. Returns false on timeout or end of file.
bool read_some(int fd, std::string& out, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

ExitStatus decode(int status) {
  ExitStatus s;
  s.exited = WIFEXITED(status);
  if (s.exited) s.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) s.signal = WTERMSIG(status);
  return s;
}

// fds[1] is what the child writes stderr to; fds[0] what the parent reads
// (/dev/null when the child writes to a log file).
bool open_stderr(const std::string& log, int fds[2]) {
  if (log.empty()) return ::pipe2(fds, O_CLOEXEC) == 0;
  fds[1] = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fds[1] < 0) return false;
  fds[0] = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fds[0] >= 0) return true;
  ::close(fds[1]);
  return false;
}

}  // namespace

std::string ExitStatus::describe() const {
  return exited ? "exit code " + std::to_string(code) : "killed by signal " + std::to_string(signal);
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_log) {
  if (argv.empty()) throw std::runtime_error("ChildProcess: empty argv");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw system_error("pipe");
  if (!open_stderr(stderr_log, err)) {
    ::close(out[0]);
    ::close(out[1]);
    throw system_error(stderr_log.empty() ? "pipe" : "open " + stderr_log);
  }
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw system_error("fork");
  if (pid_ == 0) {
    // Only async-signal-safe calls from here to exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the test process died before prctl
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  stdout_fd_ = out[0];
  stderr_fd_ = err[0];
}

ChildProcess::~ChildProcess() {
  if (!exit_status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  ::close(stdout_fd_);
  ::close(stderr_fd_);
}

std::optional<std::string> ChildProcess::read_stdout_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto newline = stdout_buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, newline);
      stdout_buffer_.erase(0, newline + 1);
      return line;
    }
    if (!read_some(stdout_fd_, stdout_buffer_, deadline)) return std::nullopt;
  }
}

std::string ChildProcess::read_stderr(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string text;
  while (read_some(stderr_fd_, text, deadline)) {
  }
  return text;
}

void ChildProcess::send_signal(int signal) {
  if (!exit_status_) ::kill(pid_, signal);
}

std::optional<ExitStatus> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!exit_status_) {
    int status = 0;
    pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      exit_status_ = decode(status);
    } else if (done < 0 && errno != EINTR) {
      throw system_error("waitpid");
    } else if (Clock::now() >= deadline) {
      return std::nullopt;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return exit_status_;
}

}  // namespace wsfo::live
