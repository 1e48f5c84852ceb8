// `wsfo run --stack nginx-keepalived` interrupted or killed: nothing of its
// testbed may outlive it, or at the latest the next run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "process/child_process.hpp"
#include "tests/netns/netns_skip.hpp"
#include "simulator/stack/netns_names.hpp"
#include "simulator/stack/stack_runner.hpp"

namespace stack_run_test {

using namespace std::chrono;
using namespace std::chrono_literals;
using wsfo::process::ChildOptions;
using wsfo::process::ChildProcess;

const std::string kTiny = std::string(WSFO_SOURCE_DIR) + "/tests/netns/tiny-stack.json";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool wait_for_text(const std::string& path, const std::string& text, milliseconds timeout) {
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (read_file(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::vector<std::string> namespaces_of(pid_t pid) {
  std::vector<std::string> out;
  const std::string prefix = "wsfo-" + std::to_string(pid) + "-";
  for (const auto& name : wsfo::stack::list_namespaces())
    if (name.rfind(prefix, 0) == 0) out.push_back(name);
  return out;
}

// A zombie is dead: it holds no socket, address or namespace, only its exit
// status until whoever inherited it reaps it.
bool alive(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z' && stat[close + 2] != 'X';
}

class StackRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wsfo::stack::StackBinaries binaries;
    binaries.wsfo = WSFO_BINARY;
    WSFO_NETNS_SKIP_UNLESS_AVAILABLE(wsfo::stack::stack_unavailable_reason(binaries));
  }

  // A run of the tiny scenario, its stderr and stdout in <dir>.log.
  std::unique_ptr<ChildProcess> start_run(const std::string& name) {
    std::string dir = ::testing::TempDir() + "stack-run-" + std::to_string(::getpid()) + "-" + name;
    std::filesystem::remove_all(dir);
    dirs_.push_back(dir);
    ChildOptions options;
    options.log_file = dir + ".log";
    options.stdout_to_log = true;
    std::filesystem::remove(options.log_file);
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{WSFO_BINARY, "run", kTiny, "--report-dir", dir}, options);
  }

  void TearDown() override {
    for (const auto& dir : dirs_) {
      std::filesystem::remove_all(dir);
      std::filesystem::remove(dir + ".log");
    }
  }

  std::vector<std::string> dirs_;
};

TEST_F(StackRunTest, SigintMidRunTearsTheTestbedDownWritesTheReportsAndEndsBySigint) {
  auto run = start_run("sigint");
  const std::string dir = dirs_.back(), log = dir + ".log";
  ASSERT_TRUE(wait_for_text(log, "stack up in", 30s)) << read_file(log);
  auto names = namespaces_of(run->pid());
  ASSERT_FALSE(names.empty()) << "the run's testbed is not where it should be";
  std::vector<pid_t> inside;
  for (const auto& name : names)
    for (pid_t pid : wsfo::stack::pids_in_namespace(name)) inside.push_back(pid);
  ASSERT_FALSE(inside.empty());

  std::this_thread::sleep_for(1s);
  run->send_signal(SIGINT);
  auto status = run->wait_for_exit(20s);
  ASSERT_TRUE(status) << "wsfo run did not exit within 20 s of SIGINT";
  EXPECT_TRUE(!status->exited && status->signal == SIGINT) << status->describe();  // a shell shows 130
  const std::string text = read_file(log);
  EXPECT_NE(text.find("stack down in"), std::string::npos) << text;  // the normal end, not a quick exit
  EXPECT_NE(text.find("RESULT: INTERRUPTED"), std::string::npos) << text;
  EXPECT_NE(read_file(dir + "/report.json").find("\"verdict\": \"INTERRUPTED\""), std::string::npos);
  EXPECT_NE(read_file(dir + "/history.jsonl").find("\"kind\":\"vip\""), std::string::npos)
      << "the history of what was played (keepalived's VIP events) is missing";
  EXPECT_NE(read_file(dir + "/junit.xml").find("<error type=\"interrupted\""), std::string::npos);
  EXPECT_NE(read_file(dir + "/report.html").find("id=\"interrupted\""), std::string::npos);
  EXPECT_TRUE(namespaces_of(run->pid()).empty());
  for (pid_t pid : inside) EXPECT_FALSE(alive(pid)) << "process " << pid << " of the testbed outlived the run";
}

TEST_F(StackRunTest, ASecondSigintExitsAtOnceAndStillTearsTheTestbedDown) {
  auto run = start_run("sigint-twice");
  const std::string dir = dirs_.back(), log = dir + ".log";
  ASSERT_TRUE(wait_for_text(log, "stack up in", 30s)) << read_file(log);
  std::vector<pid_t> inside;
  for (const auto& name : namespaces_of(run->pid()))
    for (pid_t pid : wsfo::stack::pids_in_namespace(name)) inside.push_back(pid);
  ASSERT_FALSE(inside.empty());

  run->send_signal(SIGINT);
  ASSERT_TRUE(wait_for_text(log, "stopping the run", 5s)) << read_file(log);
  run->send_signal(SIGINT);
  auto status = run->wait_for_exit(20s);
  ASSERT_TRUE(status) << "wsfo run did not exit within 20 s of the second SIGINT";
  EXPECT_TRUE(!status->exited && status->signal == SIGINT) << status->describe();
  EXPECT_NE(read_file(log).find("SIGINT again: exiting at once"), std::string::npos) << read_file(log);
  EXPECT_TRUE(namespaces_of(run->pid()).empty());
  for (pid_t pid : inside) EXPECT_FALSE(alive(pid)) << "process " << pid << " of the testbed outlived the run";
}

TEST_F(StackRunTest, AfterASigkillTheNextRunRemovesTheDeadRunsTestbedAndProcesses) {
  auto killed = start_run("killed");
  const std::string killed_log = dirs_.back() + ".log";
  ASSERT_TRUE(wait_for_text(killed_log, "stack up in", 30s)) << read_file(killed_log);
  const pid_t killed_pid = killed->pid();
  killed->send_signal(SIGKILL);
  ASSERT_TRUE(killed->wait_for_exit(5s));
  auto left = namespaces_of(killed_pid);
  ASSERT_FALSE(left.empty()) << "a SIGKILLed run cannot tear down: its testbed must still be there";
  std::vector<pid_t> orphans;  // nginx workers are not the run's children: they outlive it
  for (const auto& name : left)
    for (pid_t pid : wsfo::stack::pids_in_namespace(name)) orphans.push_back(pid);

  auto next = start_run("next");
  const std::string next_log = dirs_.back() + ".log";
  auto status = next->wait_for_exit(60s);
  ASSERT_TRUE(status) << read_file(next_log);
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe() << "\n" << read_file(next_log);
  EXPECT_NE(read_file(next_log).find("removed the testbed of a dead run: wsfo-" + std::to_string(killed_pid) + "-"),
            std::string::npos)
      << read_file(next_log);
  EXPECT_TRUE(namespaces_of(killed_pid).empty());
  EXPECT_TRUE(namespaces_of(next->pid()).empty());
  // The run prints how long its stack took to come up and to go away.
  const std::string text = read_file(next_log);
  auto figure = [&](const std::string& label) {
    auto at = text.find(label);
    return at == std::string::npos ? -1L : std::stol(text.substr(at + label.size()));
  };
  const long up = figure("stack up in "), down = figure("stack down in ");
  EXPECT_GE(up, 0) << text;
  EXPECT_LE(up, 5000) << "the testbed, nginx and keepalived must be up, every VIP held, within 5 s";
  EXPECT_GE(down, 0) << text;
  EXPECT_LE(down, 2000) << "the stack must be gone within 2 s";
  for (pid_t pid : orphans) EXPECT_FALSE(alive(pid)) << "process " << pid << " of the dead run's testbed survived";
}

// A user without the rights for network namespaces gets one line naming
// what is missing, exit 2, and nothing is created.
TEST_F(StackRunTest, WithoutRootTheRunIsRefusedInOneLine) {
  const std::string dir = ::testing::TempDir() + "stack-run-nobody-" + std::to_string(::getpid());
  ChildProcess run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", WSFO_BINARY, "run", kTiny,
                    "--report-dir", dir});
  std::string error = run.read_stderr(20s);
  auto status = run.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 2) << status->describe() << "\n" << error;
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << error;
  EXPECT_NE(error.find("cannot play on the nginx-keepalived stack here: not root"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(namespaces_of(run.pid()).empty());
}

}  // namespace stack_run_test
