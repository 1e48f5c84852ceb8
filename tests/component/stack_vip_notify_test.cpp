// `wsfo vip-notify` as keepalived runs it: one process per transition,
// sometimes several at once, appending `vip` events to one file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "core/history/event.hpp"
#include "process/child_process.hpp"

namespace stack_vip_notify_component_test {

using namespace std::chrono_literals;
using wsfo::history::Event;
using wsfo::process::ChildProcess;

struct NotifyDir {
  NotifyDir() : dir(std::filesystem::path(::testing::TempDir()) / ("stack-vip-notify-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~NotifyDir() { std::filesystem::remove_all(dir); }

  std::vector<std::string> argv(const std::string& node, std::vector<std::string> keepalived_args) const {
    std::vector<std::string> argv{WSFO_BINARY, "vip-notify", "--events",    events().string(),
                                  "--node",    node,         "--state-dir", dir.string()};
    argv.insert(argv.end(), keepalived_args.begin(), keepalived_args.end());
    return argv;
  }
  std::filesystem::path events() const { return dir / "vip.jsonl"; }

  std::vector<Event> read() const {
    std::vector<Event> out;
    std::ifstream in(events());
    for (std::string line; std::getline(in, line);) {
      std::string error;
      auto event = wsfo::history::parse_event_line(line, error);
      EXPECT_TRUE(event) << error << "\n" << line;
      if (event) out.push_back(*event);
    }
    return out;
  }

  std::filesystem::path dir;
};

struct Outcome {
  int code = -1;
  std::string error;
};

// The bounds only guard against a hang: beside a test that starts dozens of
// sanitized processes at once, one call took over 10 s to start and exit.
Outcome run(const std::vector<std::string>& argv) {
  ChildProcess process(argv);
  Outcome outcome;
  outcome.error = process.read_stderr(20s);
  auto status = process.wait_for_exit(20s);
  if (status && status->exited) outcome.code = status->code;
  return outcome;
}

TEST(StackVipNotify, TwoCallsChainFromAndTo) {
  NotifyDir notify;
  ASSERT_EQ(run(notify.argv("server1", {"INSTANCE", "vip-112", "BACKUP", "100"})).code, 0);
  ASSERT_EQ(run(notify.argv("server1", {"INSTANCE", "vip-112", "MASTER", "100"})).code, 0);
  auto events = notify.read();
  ASSERT_EQ(events.size(), 2u);
  for (const auto& e : events) {
    EXPECT_EQ(e.kind, "vip");
    EXPECT_EQ(e.source, "server1");
    EXPECT_EQ(e.fields["node"], "server1");
    EXPECT_EQ(e.fields["instance"], "vip-112");
    EXPECT_EQ(e.fields["priority"], 100);
    EXPECT_EQ(e.fields["reason"], "keepalived notify");
  }
  EXPECT_EQ(events[0].fields["from"], "INITIALIZE");
  EXPECT_EQ(events[0].fields["to"], "BACKUP");
  EXPECT_EQ(events[1].fields["from"], "BACKUP");
  EXPECT_EQ(events[1].fields["to"], "MASTER");
  EXPECT_LE(events[0].t_ns, events[1].t_ns);
  // CLOCK_MONOTONIC, the clients' clock: near ours now.
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const std::int64_t now_ns = now.tv_sec * 1'000'000'000LL + now.tv_nsec;
  EXPECT_LT(now_ns - events[1].t_ns, 10'000'000'000LL);
  EXPECT_GE(now_ns, events[1].t_ns);
}

TEST(StackVipNotify, StatesAreKeptPerNodeAndInstance) {
  NotifyDir notify;
  ASSERT_EQ(run(notify.argv("server1", {"INSTANCE", "vip-110", "MASTER", "50"})).code, 0);
  ASSERT_EQ(run(notify.argv("server2", {"INSTANCE", "vip-110", "BACKUP", "100"})).code, 0);
  ASSERT_EQ(run(notify.argv("server1", {"INSTANCE", "vip-112", "BACKUP", "100"})).code, 0);
  ASSERT_EQ(run(notify.argv("server1", {"INSTANCE", "vip-110", "STOP", "50"})).code, 0);
  // keepalived's STOP of an instance that never started: no transition, no line.
  ASSERT_EQ(run(notify.argv("server2", {"INSTANCE", "vip-112", "STOP", "0"})).code, 0);
  auto events = notify.read();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].fields["from"], "INITIALIZE");  // another node
  EXPECT_EQ(events[2].fields["from"], "INITIALIZE");  // another instance
  EXPECT_EQ(events[3].fields["from"], "MASTER");
  EXPECT_EQ(events[3].fields["to"], "INITIALIZE");
}

TEST(StackVipNotify, ConcurrentCallsLoseNoLineAndKeepTheChain) {
  NotifyDir notify;
  // Twelve instances, each told BACKUP and MASTER at once: whichever call
  // takes the lock second must start from the state the first one wrote.
  constexpr int kInstances = 12;
  std::vector<std::unique_ptr<ChildProcess>> calls;
  for (int i = 0; i < kInstances; ++i)
    for (const char* state : {"BACKUP", "MASTER"})
      calls.push_back(std::make_unique<ChildProcess>(
          notify.argv("server1", {"INSTANCE", "vip-" + std::to_string(i), state, std::to_string(i)})));
  for (auto& call : calls) {
    auto status = call->wait_for_exit(30s);
    ASSERT_TRUE(status && status->exited && status->code == 0) << call->read_stderr(100ms);
  }
  auto events = notify.read();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(2 * kInstances));
  std::map<std::string, std::vector<Event>> by_instance;
  for (const auto& e : events) by_instance[e.fields["instance"].get<std::string>()].push_back(e);
  ASSERT_EQ(by_instance.size(), static_cast<std::size_t>(kInstances));
  for (const auto& [instance, lines] : by_instance) {
    ASSERT_EQ(lines.size(), 2u) << instance;
    EXPECT_EQ(lines[0].fields["from"], "INITIALIZE") << instance;
    EXPECT_EQ(lines[1].fields["from"], lines[0].fields["to"]) << instance;
    EXPECT_NE(lines[1].fields["to"], lines[0].fields["to"]) << instance;
  }
}

// As on the real stack: each node appends to its own events file under its
// own lock, and both notify at once (a preempt moves a VIP between them).
TEST(StackVipNotify, TwoNodesWithTheirOwnEventsFilesNotifyingAtOnceKeepEachChain) {
  NotifyDir notify;
  auto argv_of = [&](const std::string& node, const std::string& instance, const char* state) {
    auto argv = notify.argv(node, {"INSTANCE", instance, state, "100"});
    argv[3] = (notify.dir / (node + ".jsonl")).string();  // --events
    return argv;
  };
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::unique_ptr<ChildProcess>> calls;
    const char* one = round % 2 ? "BACKUP" : "MASTER";
    const char* other = round % 2 ? "MASTER" : "BACKUP";
    for (int i = 0; i < 4; ++i) {
      calls.push_back(std::make_unique<ChildProcess>(argv_of("server1", "vip-" + std::to_string(i), one)));
      calls.push_back(std::make_unique<ChildProcess>(argv_of("server2", "vip-" + std::to_string(i), other)));
    }
    for (auto& call : calls) {
      auto status = call->wait_for_exit(30s);
      ASSERT_TRUE(status && status->exited && status->code == 0) << call->read_stderr(100ms);
    }
  }
  for (const char* node : {"server1", "server2"}) {
    std::ifstream in(notify.dir / (std::string(node) + ".jsonl"));
    std::map<std::string, std::vector<std::string>> chain;  // instance -> from, to, from, to...
    for (std::string line; std::getline(in, line);) {
      std::string error;
      auto event = wsfo::history::parse_event_line(line, error);
      ASSERT_TRUE(event) << error;
      auto& c = chain[event->fields["instance"].get<std::string>()];
      if (!c.empty()) {
        EXPECT_EQ(event->fields["from"], c.back()) << node << " " << line;
      }
      c.push_back(event->fields["to"].get<std::string>());
    }
    ASSERT_EQ(chain.size(), 4u) << node;
    for (const auto& [instance, states] : chain) EXPECT_EQ(states.size(), static_cast<std::size_t>(kRounds)) << node;
  }
}

// Bad arguments exit 2, an events file that cannot be opened 3 (README.md, "Exit codes").
TEST(StackVipNotify, BadInputIsAOneLineErrorAndExitTwoOrThree) {
  NotifyDir notify;
  struct Case {
    std::vector<std::string> argv;
    std::string message;
    int code;
  };
  const std::vector<Case> cases = {
      {notify.argv("server1", {"INSTANCE", "vip-110", "MASTER"}), "expected the 4 arguments", 2},
      {notify.argv("server1", {"INSTANCE", "vip-110", "SLAVE", "50"}), "unknown state \"SLAVE\"", 2},
      {notify.argv("server1", {"INSTANCE", "vip-110", "MASTER", "fifty"}), "priority \"fifty\"", 2},
      {{WSFO_BINARY, "vip-notify", "--events", (notify.dir / "no" / "such" / "dir.jsonl").string(), "--node", "s1",
        "--state-dir", notify.dir.string(), "INSTANCE", "vip-110", "MASTER", "50"},
       "cannot open",
       3},
  };
  for (const auto& [argv, message, code] : cases) {
    auto outcome = run(argv);
    EXPECT_EQ(outcome.code, code) << outcome.error;
    EXPECT_NE(outcome.error.find("wsfo vip-notify: "), std::string::npos) << outcome.error;
    EXPECT_NE(outcome.error.find(message), std::string::npos) << outcome.error;
    EXPECT_EQ(std::count(outcome.error.begin(), outcome.error.end(), '\n'), 1) << outcome.error;
  }
  EXPECT_TRUE(notify.read().empty());
}

}  // namespace stack_vip_notify_component_test
