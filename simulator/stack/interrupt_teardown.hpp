#pragma once
// While a testbed stands, SIGINT and SIGTERM tear it down before the process
// exits (128 + signal): its namespaces hold processes that are not our
// children and outlive us. The handler only writes to a pipe; a thread does
// the teardown. A SIGKILL cannot be caught: the next run removes the testbed
// (remove_stale_testbeds).
#include <functional>
#include <thread>

namespace wsfo::stack {

class InterruptTeardown {
 public:
  explicit InterruptTeardown(std::function<void(int signal)> teardown);
  ~InterruptTeardown();  // restores the previous handlers
  InterruptTeardown(const InterruptTeardown&) = delete;
  InterruptTeardown& operator=(const InterruptTeardown&) = delete;

 private:
  std::function<void(int)> teardown_;
  std::thread watcher_;
};

}  // namespace wsfo::stack
