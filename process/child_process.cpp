#include "process/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "process/live_clock.hpp"

namespace wsfo::process {

namespace {

using Clock = LiveClock::Steady;

std::runtime_error system_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

// Closes on destruction unless released, so every early throw in the
// constructor leaves no descriptor behind.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept { return *this = other.release(); }
  Fd& operator=(int fd) {
    if (fd_ >= 0 && fd_ != fd) ::close(fd_);
    fd_ = fd;
    return *this;
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw system_error("pipe");
  Pipe p;
  p.read = fds[0];
  p.write = fds[1];
  return p;
}

// Reads what is available on `fd` into `out` within the time left until
// `deadline`. Returns false on timeout or end of file (-1: nothing to read).
bool read_some(int fd, std::string& out, Clock::time_point deadline) {
  if (fd < 0) return false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - LiveClock::now());
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

ExitStatus decode(int status, const rusage& usage) {
  ExitStatus s;
  s.exited = WIFEXITED(status);
  if (s.exited) s.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) s.signal = WTERMSIG(status);
  s.max_rss_kib = usage.ru_maxrss;  // KiB on Linux
  return s;
}

// E2BIG alone does not say which limit was hit: one argument over
// MAX_ARG_STRLEN, or all of them over the stack's quarter.
std::string too_long_detail(const std::vector<std::string>& argv) {
  std::size_t longest = 0, total = 0;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    total += argv[i].size() + 1;
    if (argv[i].size() > argv[longest].size()) longest = i;
  }
  constexpr std::size_t kMaxArgStrlen = 32 * 4096;  // MAX_ARG_STRLEN with 4 KiB pages, NUL included
  if (argv[longest].size() + 1 >= kMaxArgStrlen)
    return " (argument " + std::to_string(longest) + " has " + std::to_string(argv[longest].size()) +
           " bytes; Linux takes at most " + std::to_string(kMaxArgStrlen - 1) + " in one argument)";
  return " (" + std::to_string(argv.size()) + " arguments, " + std::to_string(total) + " bytes in all)";
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) return "exit code " + std::to_string(code);
  const char* name = ::sigdescr_np(signal);
  return "killed by signal " + std::to_string(signal) + (name ? std::string(" (") + name + ")" : "");
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& stderr_log)
    : ChildProcess(argv, [&] {
        ChildOptions options;
        options.log_file = stderr_log;
        return options;
      }()) {}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options)
    : log_file_(options.log_file) {
  if (argv.empty()) throw std::runtime_error("ChildProcess: empty argv");
  if (options.stdout_to_log && options.log_file.empty())
    throw std::runtime_error("ChildProcess: stdout_to_log without a log file");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  Fd log;
  if (!options.log_file.empty()) {
    log = ::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log.get() < 0) throw system_error("open " + options.log_file);
  }
  Pipe out, err;
  if (!options.stdout_to_log) out = make_pipe();
  if (options.log_file.empty() && !options.inherit_stderr) err = make_pipe();
  const int child_out = options.stdout_to_log ? log.get() : out.write.get();
  const int child_err = !options.log_file.empty() ? log.get() : err.write.get();  // -1: inherited
  // The child writes execv's errno here; CLOEXEC closes it on a successful
  // exec, so the parent reads either 0 bytes (started) or the cause.
  Pipe exec_error = make_pipe();

  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw system_error("fork");
  if (pid_ == 0) {
    // Only async-signal-safe calls from here to exec. PDEATHSIG fires when
    // the forking *thread* ends, so parts are started from a long-lived one.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the parent died before prctl
    ::dup2(child_out, STDOUT_FILENO);
    if (child_err >= 0) ::dup2(child_err, STDERR_FILENO);
    ::execv(args[0], args.data());
    int cause = errno;
    [[maybe_unused]] auto written = ::write(exec_error.write.get(), &cause, sizeof cause);
    ::_exit(127);
  }
  exec_error.write = -1;
  int cause = 0;
  ssize_t n;
  do {
    n = ::read(exec_error.read.get(), &cause, sizeof cause);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof cause)) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    std::string detail = cause == E2BIG ? too_long_detail(argv) : "";
    throw std::runtime_error(argv[0] + ": " + std::strerror(cause) + detail);
  }
  stdout_fd_ = out.read.release();
  stderr_fd_ = err.read.release();
}

ChildProcess::~ChildProcess() {
  if (!exit_status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (stderr_fd_ >= 0) ::close(stderr_fd_);
}

std::optional<std::string> ChildProcess::read_stdout_line(std::chrono::milliseconds timeout) {
  const auto deadline = LiveClock::now() + timeout;
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
  const auto deadline = LiveClock::now() + timeout;
  std::string text;
  while (read_some(stderr_fd_, text, deadline)) {
  }
  return text;
}

void ChildProcess::send_signal(int signal) {
  if (!exit_status_) ::kill(pid_, signal);
}

std::optional<ExitStatus> ChildProcess::try_wait() {
  while (!exit_status_) {
    int status = 0;
    rusage usage{};
    pid_t done = ::wait4(pid_, &status, WNOHANG, &usage);
    if (done == pid_) {
      exit_status_ = decode(status, usage);
    } else if (done == 0) {
      return std::nullopt;
    } else if (errno != EINTR) {
      throw system_error("waitpid");
    }
  }
  return exit_status_;
}

std::optional<ExitStatus> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  const auto deadline = LiveClock::now() + timeout;
  for (;;) {
    if (auto status = try_wait()) return status;
    if (LiveClock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string last_log_line(const std::string& path) {
  constexpr std::streamoff kTail = 64 * 1024;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - kTail));
  std::string text(static_cast<std::size_t>(std::min(size, kTail)), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  auto end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return {};
  auto begin = text.rfind('\n', end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  while (begin < end && blank(text[begin])) ++begin;
  return text.substr(begin, end + 1 - begin);
}

std::string describe_end(const ExitStatus& status, const std::string& log_file) {
  std::string text = status.describe();
  if (log_file.empty()) return text;
  std::string line = last_log_line(log_file);
  return text + (line.empty() ? "; its log " + log_file + " is empty" : "; last log line: " + line);
}

std::string describe_death(const std::string& part, const ExitStatus& status, const std::string& log_file) {
  return part + " died: " + describe_end(status, log_file);
}

}  // namespace wsfo::process
