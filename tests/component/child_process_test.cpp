// The launcher every part of wsfo is started with: a child that cannot be
// started is an error naming the cause, and one that dies says how and what
// it last logged.
#include "process/child_process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace wsfo::process {
namespace {

using namespace std::chrono_literals;

std::string launch_error(const std::vector<std::string>& argv) {
  try {
    ChildProcess child(argv);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(started)";
}

std::string scratch_log(const std::string& name) {
  auto path = std::filesystem::path(::testing::TempDir()) / (name + "-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  return path.string();
}

TEST(ChildProcess, AnArgumentTooLongForLinuxIsAnErrorNamingTheCause) {
  // What `--router-ids` with 8000 random routerIds once was: the exec failed
  // and the part only showed as an empty log.
  std::string huge(200 * 1024, '7');
  auto error = launch_error({WSFO_BINARY, "clients", "--router-ids", huge});
  EXPECT_NE(error.find(WSFO_BINARY), std::string::npos) << error;
  EXPECT_NE(error.find(std::strerror(E2BIG)), std::string::npos) << error;
  EXPECT_NE(error.find("argument 3 has 204800 bytes"), std::string::npos) << error;
}

TEST(ChildProcess, AMissingExecutableIsAnErrorNamingTheCause) {
  auto error = launch_error({"/nonexistent/wsfo", "gateway"});
  EXPECT_EQ(error, std::string("/nonexistent/wsfo: ") + std::strerror(ENOENT));
}

TEST(ChildProcess, TryWaitTellsARunningChildFromAKilledOne) {
  ChildProcess child({"/bin/sleep", "30"});
  EXPECT_FALSE(child.try_wait());
  child.send_signal(SIGKILL);
  auto status = child.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->exited);
  EXPECT_EQ(status->signal, SIGKILL);
  EXPECT_EQ(status->describe().rfind("killed by signal 9", 0), 0u) << status->describe();
  ASSERT_TRUE(child.try_wait());  // the same answer once reaped
  EXPECT_EQ(child.try_wait()->signal, SIGKILL);
}

TEST(ChildProcess, ADeathIsDescribedWithTheLastLineOfTheLog) {
  auto log = scratch_log("dies");
  ChildProcess child({"/bin/sh", "-c", "echo starting >&2; echo 'bind 127.0.0.1:1: denied  ' >&2; echo >&2; exit 3"},
                     log);
  auto status = child.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(describe_death("clients fleet#1", *status, child.log_file()),
            "clients fleet#1 died: exit code 3; last log line: bind 127.0.0.1:1: denied");
  std::filesystem::remove(log);
  EXPECT_EQ(last_log_line(log), "");
  EXPECT_EQ(describe_death("backend a", *status, log), "backend a died: exit code 3; its log " + log + " is empty");
}

TEST(ChildProcess, StdoutCanGoToTheLogWithStderr) {
  ChildOptions options;
  options.log_file = scratch_log("both");
  options.stdout_to_log = true;
  ChildProcess child({"/bin/sh", "-c", "echo out; echo err >&2"}, options);
  auto status = child.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->describe(), "exit code 0");
  EXPECT_GT(status->max_rss_kib, 0);
  EXPECT_FALSE(child.read_stdout_line(10ms));
  std::ifstream in(options.log_file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "out\nerr\n");
  std::filesystem::remove(options.log_file);
}

}  // namespace
}  // namespace wsfo::process
