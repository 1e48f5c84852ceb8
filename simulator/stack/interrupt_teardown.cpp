#include "simulator/stack/interrupt_teardown.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>

namespace wsfo::stack {

namespace {

int pipe_fds[2] = {-1, -1};
struct sigaction previous_int {}, previous_term {};

void on_signal(int signal) {
  unsigned char byte = static_cast<unsigned char>(signal);
  [[maybe_unused]] auto written = ::write(pipe_fds[1], &byte, 1);
}

}  // namespace

InterruptTeardown::InterruptTeardown(std::function<void(int)> teardown) : teardown_(std::move(teardown)) {
  if (::pipe(pipe_fds) != 0) return;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &previous_int);
  ::sigaction(SIGTERM, &action, &previous_term);
  watcher_ = std::thread([this] {
    unsigned char byte = 0;
    if (::read(pipe_fds[0], &byte, 1) != 1 || byte == 0) return;  // 0: the guard ends
    std::cerr << "wsfo run: interrupted (signal " << int(byte) << "): tearing the testbed down\n";
    teardown_(byte);
    std::_Exit(128 + byte);
  });
}

InterruptTeardown::~InterruptTeardown() {
  if (pipe_fds[0] < 0) return;
  ::sigaction(SIGINT, &previous_int, nullptr);
  ::sigaction(SIGTERM, &previous_term, nullptr);
  unsigned char stop = 0;
  [[maybe_unused]] auto written = ::write(pipe_fds[1], &stop, 1);
  if (watcher_.joinable()) watcher_.join();
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  pipe_fds[0] = pipe_fds[1] = -1;
}

}  // namespace wsfo::stack
