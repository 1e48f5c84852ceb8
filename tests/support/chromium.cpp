#include "tests/support/chromium.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "tests/support/test_files.hpp"

namespace wsfo::test_support {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Pids of live (non-zombie) processes whose command line mentions `needle`.
std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> pids;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path() / "cmdline");  // empty for zombies
    if (cmdline.find(needle) != std::string::npos) pids.push_back(std::stoi(name));
  }
  return pids;
}

}  // namespace

std::string chromium_path() {
  const char* from_env = std::getenv("WSFO_CHROMIUM");
  return from_env ? from_env : "/usr/bin/chromium";
}

Chromium::Chromium(const fs::path& work, const std::vector<std::string>& extra_args, const std::string& url,
                   const fs::path& stdout_file)
    : profile_(work / "profile"), log_(work / "chromium.log") {
  std::vector<std::string> args = {chromium_path(),
                                   "--headless",
                                   "--no-sandbox",  // CI runs as root, where the sandbox refuses to start
                                   "--disable-gpu",
                                   "--disable-dev-shm-usage",
                                   "--no-first-run",
                                   "--disable-extensions",
                                   "--disable-background-networking",
                                   "--disable-component-update",
                                   "--user-data-dir=" + profile_.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  args.push_back(url);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out_fd = ::open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {  // async-signal-safe calls only until exec
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  if (pid < 0) return;
  ::setpgid(pid, pid);  // also here, so the group exists whichever runs first
  pid_ = pid;
}

bool Chromium::wait_exit(Clock::duration limit) {
  if (pid_ <= 0 || reaped_) return reaped_;
  for (const auto deadline = Clock::now() + limit; Clock::now() < deadline;) {
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) return reaped_ = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void Chromium::stop() {
  if (pid_ <= 0 || stopped_) return;
  stopped_ = true;
  ::kill(-pid_, SIGKILL);  // the browser and every helper it forked
  if (!reaped_) ::waitpid(pid_, &status_, 0), reaped_ = true;
  // Helpers that left the group would still name the private profile.
  const auto grace = Clock::now() + std::chrono::seconds(5);
  while (!(leftovers_ = processes_mentioning(profile_.string())).empty() && Clock::now() < grace)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (pid_t p : leftovers_) ::kill(p, SIGKILL);
}

std::string Chromium::errors() const {
  std::string text = slurp(log_);
  return text.size() > 3000 ? "..." + text.substr(text.size() - 3000) : text;
}

}  // namespace wsfo::test_support
