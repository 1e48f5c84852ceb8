// `wsfo run` stopped from outside mid-run. SIGINT (to the whole process
// group, as a terminal's Ctrl-C sends it) and SIGTERM (to wsfo alone, as
// `kill` sends it): the timeline stops, the parts are stopped, history.jsonl
// and every report of what was played are written and say interrupted, and
// wsfo ends by that same signal. SIGKILL: nothing can be written, but no
// part outlives it (PR_SET_PDEATHSIG) and no address of the run is left
// listening. Each test its own 127.84.<net>.x addresses.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "process/child_process.hpp"
#include "process/live_clock.hpp"
#include "tests/support/test_files.hpp"

namespace run_interrupt_test {

using namespace std::chrono_literals;
using nlohmann::json;
using wsfo::process::ChildProcess;
using wsfo::process::LiveClock;
using wsfo::test_support::slurp;
namespace fs = std::filesystem;

// One unit, one node, one backend, 20 clients; waits at +1 s and +2 s, and one
// at +20 s that an interrupted run never reaches.
json small_scenario(int net) {
  std::string text = R"({
    "name": "interrupted", "duration": "25s",
    "units": [{"name": "center", "label": "hangzhou", "subdomain": "center.websocket.msha.tech",
               "public_url": "ws://center.websocket.msha.tech:8020",
               "nodes": [{"name": "center-gw1", "address": "127.84.N.1", "port": 8020, "admin_port": 9020}],
               "backends": [{"name": "center-app1", "address": "127.84.N.21", "port": 8010, "announce": "self"}],
               "routes": [{"prefix": "/", "backends": ["center-app1"]}]}],
    "domain": {"name": "websocket.msha.tech", "cname": "center"},
    "rules": {"version": 1, "modulus": 10000, "ranges": [{"from": 0, "to": 9999, "unit": "center"}]},
    "clients": [{"name": "fleet", "router_ids": {"from": 100, "to": 119},
                 "url": "ws://websocket.msha.tech:8020/ws", "mode": "header",
                 "reconnect": {"fixed": {"delay": "300ms"}}}],
    "timeline": [{"at": "1s", "action": "wait", "expect": {"disconnected": "none"}},
                 {"at": "2s", "action": "wait", "expect": {"disconnected": "none"}},
                 {"at": "20s", "action": "wait", "expect": {"disconnected": "none", "reconnect_within": "1s"}}]})";
  const std::string from = "127.84.N.", to = "127.84." + std::to_string(net) + ".";
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return json::parse(text);
}

struct Proc {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';
  unsigned long long start = 0;  // start time in clock ticks since boot: tells a reused pid apart
};

std::optional<Proc> read_proc(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  Proc p;
  p.pid = pid;
  rest >> p.state >> p.ppid;
  std::string skip;
  for (int field = 5; field < 22; ++field) rest >> skip;  // fields 5..21
  rest >> p.start;                                        // field 22
  return rest ? std::optional<Proc>(p) : std::nullopt;
}

// Every process whose parent chain leads to `root`.
std::vector<Proc> descendants(pid_t root) {
  std::map<pid_t, Proc> all;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (auto p = read_proc(std::stoi(name))) all[p->pid] = *p;
  }
  std::vector<Proc> found;
  std::vector<pid_t> frontier{root};
  while (!frontier.empty()) {
    pid_t parent = frontier.back();
    frontier.pop_back();
    for (const auto& [pid, p] : all)
      if (p.ppid == parent) {
        found.push_back(p);
        frontier.push_back(pid);
      }
  }
  return found;
}

// The processes of `before` still alive (a zombie is dead: it holds nothing).
std::vector<Proc> survivors(const std::vector<Proc>& before) {
  std::vector<Proc> alive;
  for (const auto& p : before)
    if (auto now = read_proc(p.pid); now && now->start == p.start && now->state != 'Z') alive.push_back(*now);
  return alive;
}

// Listening TCP sockets on 127.84.<net>.x, as "address:port".
std::vector<std::string> listening_on(int net) {
  std::vector<std::string> found;
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (state != "0A" || local.size() != 13) continue;                          // 0A: LISTEN; "0100547F:1F54"
    const unsigned long address = std::stoul(local.substr(0, 8), nullptr, 16);  // in network order, read little-endian
    const unsigned long port = std::stoul(local.substr(9), nullptr, 16);
    const unsigned a = address & 0xff, b = (address >> 8) & 0xff, c = (address >> 16) & 0xff, d = address >> 24;
    if (a == 127 && b == 84 && c == static_cast<unsigned>(net))
      found.push_back("127.84." + std::to_string(c) + "." + std::to_string(d) + ":" + std::to_string(port));
  }
  return found;
}

class RunInterrupt : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wsfo-interrupt-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Starts `wsfo run` in a process group of its own (as a shell's job is),
  // with stdout and stderr in run.log.
  std::unique_ptr<ChildProcess> start(int net) {
    const fs::path path = dir_ / "scenario.json";
    std::ofstream(path) << small_scenario(net).dump(2);
    wsfo::process::ChildOptions options;
    options.log_file = (dir_ / "run.log").string();
    options.stdout_to_log = true;
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/setsid", WSFO_BINARY, "run", path.string(), "--report-dir", out().string()},
        options);
  }

  // Waits until the run's log shows `text` (up to 15 s).
  bool log_shows(const std::string& text) {
    const auto deadline = LiveClock::now() + 15s;
    while (LiveClock::now() < deadline) {
      if (slurp(dir_ / "run.log").find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  fs::path out() const { return dir_ / "out"; }

  // Plays until event #1, interrupts with `signal` (to the group or to wsfo
  // alone) and checks what the run left: its exit, its files, its processes.
  void interrupt_and_check(int net, int signal, bool to_group) {
    auto wsfo = start(net);
    ASSERT_TRUE(log_shows("] #1 wait")) << slurp(dir_ / "run.log");
    std::this_thread::sleep_for(500ms);
    const auto parts = descendants(wsfo->pid());
    ASSERT_GE(parts.size(), 3u) << "gateway, backend and clients should be running";
    const auto signalled = LiveClock::now();
    ASSERT_EQ(::kill(to_group ? -wsfo->pid() : wsfo->pid(), signal), 0);
    auto status = wsfo->wait_for_exit(30s);
    ASSERT_TRUE(status) << "wsfo run did not end within 30 s of the signal";
    std::cerr << "wsfo run ended "
              << std::chrono::duration_cast<std::chrono::milliseconds>(LiveClock::now() - signalled).count()
              << " ms after the signal\n";
    const std::string log = slurp(dir_ / "run.log");
    EXPECT_FALSE(status->exited) << status->describe() << "\n" << log;
    EXPECT_EQ(status->signal, signal) << status->describe();  // a shell shows 128 + signal
    EXPECT_TRUE(survivors(parts).empty()) << survivors(parts).size() << " parts outlived wsfo run";
    EXPECT_TRUE(listening_on(net).empty()) << listening_on(net)[0];

    const std::string name = signal == SIGINT ? "SIGINT" : "SIGTERM";
    EXPECT_NE(log.find("RESULT: INTERRUPTED"), std::string::npos) << log;
    EXPECT_NE(log.find("INTERRUPTED: " + name + " at +"), std::string::npos) << log;
    json report = json::parse(slurp(out() / "report.json"), nullptr, false);
    ASSERT_TRUE(report.is_object()) << "no report.json in " << out();
    EXPECT_EQ(report["verdict"], "INTERRUPTED");
    EXPECT_TRUE(report["part_failures"].empty()) << report["part_failures"];  // parts ended by the signal are notes
    const json& stop = report["interrupted"];
    ASSERT_TRUE(stop.is_object()) << report.dump(2);
    EXPECT_EQ(stop["signal"], name);
    EXPECT_TRUE(stop["timeline_cut"].get<bool>());
    EXPECT_EQ(stop["events_played"], 2);
    EXPECT_EQ(stop["events_planned"], 3);
    ASSERT_EQ(report["expectations"].size(), 4u) << report["expectations"];
    for (const auto& e : report["expectations"]) {
      // #0 was played to its end; #1 was cut short; #2 was never played.
      const std::string expected = e["event"] == 0 ? "pass" : "unknown";
      EXPECT_EQ(e["status"], expected) << e.dump();
      if (e["event"] == 2) {
        EXPECT_EQ(e["actual"], "not played") << e.dump();
      }
    }
    const std::string history = slurp(out() / "history.jsonl");
    EXPECT_NE(history.find("\"kind\":\"connected\""), std::string::npos) << "no client's connection in the history";
    EXPECT_NE(history.find("\"kind\":\"action\""), std::string::npos);
    const std::string junit = slurp(out() / "junit.xml");
    EXPECT_NE(junit.find("<error type=\"interrupted\" message=\"interrupted: " + name), std::string::npos) << junit;
    EXPECT_NE(slurp(out() / "report.html").find("id=\"interrupted\">Interrupted: " + name), std::string::npos);
  }

  fs::path dir_;
};

TEST_F(RunInterrupt, CtrlCToTheProcessGroupWritesTheReportsMarkedInterruptedAndEndsBySigint) {
  interrupt_and_check(1, SIGINT, true);
}

TEST_F(RunInterrupt, SigtermToWsfoAloneWritesTheReportsMarkedInterruptedAndEndsBySigterm) {
  interrupt_and_check(2, SIGTERM, false);
}

TEST_F(RunInterrupt, SigkillLeavesNoPartRunningAndNoAddressListening) {
  constexpr int kNet = 3;
  auto wsfo = start(kNet);
  ASSERT_TRUE(log_shows("] #1 wait")) << slurp(dir_ / "run.log");
  const auto parts = descendants(wsfo->pid());
  ASSERT_GE(parts.size(), 3u) << "gateway, backend and clients should be running";
  ASSERT_FALSE(listening_on(kNet).empty()) << "the run's gateway and backend should be listening";
  ASSERT_EQ(::kill(wsfo->pid(), SIGKILL), 0);
  auto status = wsfo->wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGKILL);
  const auto deadline = LiveClock::now() + 5s;  // PDEATHSIG is immediate; dying takes a moment
  while ((!survivors(parts).empty() || !listening_on(kNet).empty()) && LiveClock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  for (const auto& p : survivors(parts)) ADD_FAILURE() << "pid " << p.pid << " (state " << p.state << ") outlived wsfo";
  for (const auto& address : listening_on(kNet)) ADD_FAILURE() << address << " still listening";
}

}  // namespace run_interrupt_test
