#include "process/interrupt_signals.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "process/live_clock.hpp"

namespace wsfo::process {

namespace {

// Written by the handler, read by the watcher: the handler may only do
// async-signal-safe things, so it touches nothing else.
int pipe_fds[2] = {-1, -1};

void on_signal(int signal) {
  const int saved = errno;
  unsigned char byte = static_cast<unsigned char>(signal);
  [[maybe_unused]] auto written = ::write(pipe_fds[1], &byte, 1);
  errno = saved;
}

struct State {
  std::mutex mutex;
  std::condition_variable woken;
  int users = 0;     // GracefulStops and UrgentTeardowns alive: the handlers are installed while > 0
  int graceful = 0;  // GracefulStops alive
  std::map<std::uint64_t, std::function<void(int)>> teardowns;
  std::uint64_t next_id = 1;
  std::atomic<int> stop_signal{0};
  std::atomic<std::int64_t> stop_at_ns{0};
  std::thread watcher;
  struct sigaction previous_int {};
  struct sigaction previous_term {};
};

State& state() {
  static State s;
  return s;
}

[[noreturn]] void die_by(int signal) {
  std::cout.flush();
  std::cerr.flush();
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal, &action, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signal);
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(signal);
  std::_Exit(128 + signal);  // only if the signal did not end us
}

void watch() {
  State& s = state();
  for (;;) {
    unsigned char byte = 0;
    ssize_t n;
    do {
      n = ::read(pipe_fds[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || byte == 0) return;  // 0: the last guard went
    const int signal = byte;
    std::unique_lock lock(s.mutex);
    if (s.graceful > 0 && s.stop_signal == 0) {
      s.stop_at_ns = LiveClock::now_ns();
      s.stop_signal = signal;
      s.woken.notify_all();
      lock.unlock();
      std::cerr << "wsfo: " << signal_name(signal)
                << ": stopping the run, then writing its history and reports (a second signal exits at once)"
                << std::endl;
      continue;
    }
    std::cerr << "wsfo: " << signal_name(signal) << (s.stop_signal != 0 ? " again" : "") << ": exiting at once"
              << (s.teardowns.empty() ? " (no reports)" : ", after tearing the testbed down (no reports)") << std::endl;
    for (auto& [id, teardown] : s.teardowns) teardown(signal);
    die_by(signal);
  }
}

// The first guard installs the handlers and starts the watcher.
void acquire(State& s) {
  if (s.users++ > 0) return;
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    pipe_fds[0] = pipe_fds[1] = -1;
    std::cerr << "wsfo: cannot handle SIGINT/SIGTERM (pipe failed): they will end the process at once\n";
    return;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;  // the main thread's reads and waits go on; the watcher acts
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &s.previous_int);
  ::sigaction(SIGTERM, &action, &s.previous_term);
  s.watcher = std::thread(watch);
}

// The last guard restores the handlers and ends the watcher. Called without
// the mutex: the watcher may be waiting for it.
void release_last(State& s, std::thread watcher) {
  if (pipe_fds[0] < 0) return;
  ::sigaction(SIGINT, &s.previous_int, nullptr);
  ::sigaction(SIGTERM, &s.previous_term, nullptr);
  unsigned char stop = 0;
  [[maybe_unused]] auto written = ::write(pipe_fds[1], &stop, 1);
  if (watcher.joinable()) watcher.join();
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  pipe_fds[0] = pipe_fds[1] = -1;
}

void release(State& s, std::unique_lock<std::mutex>& lock) {
  if (--s.users > 0) return;
  std::thread watcher = std::move(s.watcher);
  lock.unlock();
  release_last(s, std::move(watcher));
}

}  // namespace

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "signal " + std::to_string(signal);
  }
}

GracefulStop::GracefulStop() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  ++s.graceful;
  acquire(s);
}

GracefulStop::~GracefulStop() {
  State& s = state();
  std::unique_lock lock(s.mutex);
  if (--s.graceful == 0) {
    s.stop_signal = 0;
    s.stop_at_ns = 0;
  }
  release(s, lock);
}

int GracefulStop::signal() const { return state().stop_signal; }

std::int64_t GracefulStop::at_ns() const { return state().stop_at_ns; }

bool GracefulStop::sleep_until(std::chrono::steady_clock::time_point deadline) const {
  State& s = state();
  std::unique_lock lock(s.mutex);
  return !s.woken.wait_until(lock, deadline, [&s] { return s.stop_signal != 0; });
}

void GracefulStop::end_by_signal() const {
  if (int signal = state().stop_signal; signal != 0) die_by(signal);
}

UrgentTeardown::UrgentTeardown(std::function<void(int)> teardown) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  id_ = s.next_id++;
  s.teardowns.emplace(id_, std::move(teardown));
  acquire(s);
}

UrgentTeardown::~UrgentTeardown() {
  State& s = state();
  std::unique_lock lock(s.mutex);
  s.teardowns.erase(id_);
  release(s, lock);
}

}  // namespace wsfo::process
