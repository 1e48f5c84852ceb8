// `wsfo run` when a part of the run fails: a backend that cannot start (its
// address is taken), a client process killed from outside mid-run. The run
// names the part and the cause, still writes its reports (verdict UNKNOWN),
// and exits 2: what it recorded says nothing about the scenario.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "process/child_process.hpp"

namespace run_part_failure_test {

using namespace std::chrono_literals;
using nlohmann::json;
using wsfo::process::ChildProcess;
namespace fs = std::filesystem;

// One unit, one node, one backend, a few clients, on 127.73.<net>.x: each
// test its own, as ctest runs them side by side.
json small_scenario(const std::string& duration, int net) {
  std::string text = R"({
    "name": "part-failure", "duration": ")" +
                     duration + R"(",
    "units": [{"name": "center", "label": "hangzhou", "subdomain": "center.websocket.msha.tech",
               "public_url": "ws://center.websocket.msha.tech:8020",
               "nodes": [{"name": "center-gw1", "address": "127.71.1.1", "port": 8020, "admin_port": 9020}],
               "backends": [{"name": "center-app1", "address": "127.71.1.21", "port": 8010, "announce": "self"}],
               "routes": [{"prefix": "/", "backends": ["center-app1"]}]}],
    "domain": {"name": "websocket.msha.tech", "cname": "center"},
    "rules": {"version": 1, "modulus": 10000, "ranges": [{"from": 0, "to": 9999, "unit": "center"}]},
    "clients": [{"name": "fleet", "router_ids": {"from": 100, "to": 119},
                 "url": "ws://websocket.msha.tech:8020/ws", "mode": "header",
                 "reconnect": {"fixed": {"delay": "300ms"}}}],
    "timeline": [{"at": "1s", "action": "wait", "expect": {"disconnected": "none"}}]})";
  const std::string from = "127.71.1.", to = "127.73." + std::to_string(net) + ".";
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return json::parse(text);
}

struct RunResult {
  int exit_code = -1;
  std::string stderr_text;
  json report;
};

class RunPartFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wsfo-part-failure-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Starts `wsfo run` (after `prefix`, a command that starts it); `during`
  // runs while it plays, given its pid.
  RunResult run(const json& scenario, const std::function<void(pid_t)>& during = {},
                std::vector<std::string> prefix = {}) {
    fs::path path = dir_ / "scenario.json";
    std::ofstream(path) << scenario.dump(2);
    RunResult result;
    prefix.insert(prefix.end(), {WSFO_BINARY, "run", path.string(), "--report-dir", (dir_ / "out").string()});
    ChildProcess wsfo(prefix, (dir_ / "run.stderr").string());
    if (during) during(wsfo.pid());
    auto status = wsfo.wait_for_exit(60s);
    if (status) result.exit_code = status->exited ? status->code : 128 + status->signal;
    std::ifstream err(dir_ / "run.stderr");
    result.stderr_text.assign(std::istreambuf_iterator<char>(err), {});
    std::ifstream report(dir_ / "out/report.json");
    if (report) result.report = json::parse(report, nullptr, false);
    return result;
  }

  fs::path dir_;
};

// The pid of the child of `parent` whose command line holds `word`, or 0.
pid_t child_with(pid_t parent, const std::string& word) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string pid, comm, state;
    pid_t ppid = 0;
    if (!(stat >> pid >> comm >> state >> ppid) || ppid != parent) continue;
    std::ifstream cmdline(entry.path() / "cmdline");
    std::string args(std::istreambuf_iterator<char>(cmdline), {});
    std::replace(args.begin(), args.end(), '\0', ' ');
    if (args.find(word) != std::string::npos) return static_cast<pid_t>(std::stoi(name));
  }
  return 0;
}

TEST_F(RunPartFailure, ABackendThatCannotStartIsNamedWithItsCauseAndTheRunExits2) {
  // Take the backend's address first, so it cannot listen.
  int taken = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(taken, 0);
  int one = 1;
  ::setsockopt(taken, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(8010);
  ::inet_pton(AF_INET, "127.73.1.21", &address.sin_addr);
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof address), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(taken, 1), 0);

  RunResult result = run(small_scenario("3s", 1));
  ::close(taken);

  EXPECT_EQ(result.exit_code, 2) << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("backend center-app1: exited before it was ready: exit code"), std::string::npos)
      << result.stderr_text;
  EXPECT_NE(result.stderr_text.find("could not be judged"), std::string::npos) << result.stderr_text;
  ASSERT_TRUE(result.report.is_object()) << "no report.json in " << dir_ / "out";
  EXPECT_EQ(result.report["verdict"], "UNKNOWN");
  EXPECT_FALSE(result.report["passed"].get<bool>());
  ASSERT_EQ(result.report["part_failures"].size(), 1u);
  const std::string failure = result.report["part_failures"][0];
  EXPECT_NE(failure.find("backend center-app1"), std::string::npos) << failure;
  EXPECT_NE(failure.find("last log line:"), std::string::npos) << failure;  // the backend said why
  EXPECT_TRUE(fs::exists(dir_ / "out/report.html"));
}

TEST_F(RunPartFailure, AClientProcessThatCannotStartIsNamedWithItsCause) {
  // Under a limit of 512 descriptors a fleet of 600 clients refuses to start.
  // Spread over four gateway nodes and three backends, those 600 connections
  // fit every other process's share of 512, so the run is not refused up front.
  json scenario = small_scenario("3s", 4);
  scenario["clients"][0]["router_ids"] = {{"from", 100}, {"to", 699}};
  auto& unit = scenario["units"][0];
  for (int n = 2; n <= 4; ++n)
    unit["nodes"].push_back({{"name", "center-gw" + std::to_string(n)},
                             {"address", "127.73.4." + std::to_string(n)},
                             {"port", 8020},
                             {"admin_port", 9020}});
  for (int b = 2; b <= 3; ++b) {
    unit["backends"].push_back({{"name", "center-app" + std::to_string(b)},
                                {"address", "127.73.4." + std::to_string(20 + b)},
                                {"port", 8010},
                                {"announce", "self"}});
    unit["routes"][0]["backends"].push_back("center-app" + std::to_string(b));
  }
  RunResult result = run(scenario, {}, {"/usr/bin/prlimit", "--nofile=512:512"});
  EXPECT_EQ(result.exit_code, 2) << result.stderr_text;
  ASSERT_TRUE(result.report.is_object()) << "no report.json in " << dir_ / "out";
  EXPECT_EQ(result.report["verdict"], "UNKNOWN");
  ASSERT_EQ(result.report["part_failures"].size(), 1u) << result.report["part_failures"];
  const std::string failure = result.report["part_failures"][0];
  EXPECT_NE(failure.find("clients fleet#0 died: exit code 2; last log line: wsfo clients: 600 clients need 664 "
                         "descriptors, and this process may open 512"),
            std::string::npos)
      << failure;
  EXPECT_NE(result.stderr_text.find("part failed: clients fleet#0"), std::string::npos) << result.stderr_text;
}

TEST_F(RunPartFailure, AClientProcessKilledFromOutsideMakesTheRunUnjudgeable) {
  RunResult result = run(small_scenario("5s", 2), [](pid_t wsfo) {
    pid_t clients = 0;
    for (int i = 0; i < 100 && !clients; ++i) {  // up to 5 s for the parts to start
      std::this_thread::sleep_for(50ms);
      clients = child_with(wsfo, " clients ");
    }
    ASSERT_NE(clients, 0) << "no client process appeared";
    std::this_thread::sleep_for(1s);
    ::kill(clients, SIGKILL);
  });
  EXPECT_EQ(result.exit_code, 2) << result.stderr_text;
  ASSERT_TRUE(result.report.is_object()) << "no report.json in " << dir_ / "out";
  EXPECT_EQ(result.report["verdict"], "UNKNOWN");
  ASSERT_EQ(result.report["part_failures"].size(), 1u) << result.report["part_failures"];
  const std::string failure = result.report["part_failures"][0];
  EXPECT_NE(failure.find("clients fleet#0 died: killed by signal 9"), std::string::npos) << failure;
  EXPECT_EQ(result.report["events"].size(), 1u);  // what was played is still reported
}

TEST_F(RunPartFailure, AHealthyRunHasNoPartFailures) {
  RunResult result = run(small_scenario("3s", 3));
  EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
  ASSERT_TRUE(result.report.is_object());
  EXPECT_EQ(result.report["verdict"], "PASS");
  EXPECT_TRUE(result.report["part_failures"].empty());
}

}  // namespace run_part_failure_test
