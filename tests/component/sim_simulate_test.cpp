// `wsfo simulate` end to end (no sockets: one process, virtual time): the seed
// cutover closes exactly slots 5998-6380 and they come back in center; the
// same scenario and seed give an identical history; exit codes as `wsfo run`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/history/event.hpp"
#include "core/routing/router_id.hpp"
#include "core/scenario/client_population.hpp"
#include "core/scenario/scenario_loader.hpp"

namespace wsfo {
namespace {

namespace fs = std::filesystem;

const std::string kSeed = std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-msha-cutover.json";

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("wsfo-sim-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir.parent_path());
  return dir;
}

// Runs `wsfo simulate ARGS` (bounded by timeout(1)); the exit status.
int simulate(const std::string& args, const fs::path& log) {
  std::string command =
      "timeout 120 " + std::string(WSFO_BINARY) + " simulate " + args + " > " + log.string() + " 2>&1";
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<history::Event> read_history(const fs::path& path) {
  std::vector<history::Event> events;
  std::ifstream in(path);
  std::string line, error;
  while (std::getline(in, line)) {
    auto event = history::parse_event_line(line, error);
    EXPECT_TRUE(event) << error << ": " << line;
    if (event) events.push_back(std::move(*event));
  }
  return events;
}

TEST(SimSimulate, SeedCutoverClosesExactlyTheMovedSlotsAndTheyLandInCenter) {
  fs::path dir = scratch("seed");
  ASSERT_EQ(simulate(kSeed + " --report-dir " + dir.string(), dir.string() + ".log"), 0)
      << slurp(dir.string() + ".log");
  for (auto file : {"report.json", "junit.xml", "report.html", "history.jsonl", "capacity.json"})
    EXPECT_TRUE(fs::exists(dir / file)) << file;

  auto events = read_history(dir / "history.jsonl");
  ASSERT_FALSE(events.empty());
  std::int64_t cutover_at = -1;
  for (const auto& e : events)
    if (e.kind == "action" && e.fields.value("action", "") == "cutover") cutover_at = e.t_ns;
  ASSERT_EQ(cutover_at, 10'000'000'000);

  auto loaded = scenario::load_scenario_file(kSeed);
  ASSERT_TRUE(loaded.scenario);
  std::set<std::uint64_t> expected;
  for (const auto& m : scenario::expand_population(*loaded.scenario)) {
    auto slot = routing::slot_of(m.router_id, 10000);
    if (slot >= 5998 && slot <= 6380) expected.insert(m.router_id);
  }
  ASSERT_FALSE(expected.empty());

  std::set<std::uint64_t> closed;
  std::map<std::uint64_t, std::string> landed;  // first unit after the cutover
  for (const auto& e : events) {
    if (e.t_ns < cutover_at || !e.router_id) continue;
    if (e.kind == "disconnected") {
      EXPECT_EQ(e.fields.value("code", 0), 4001) << history::to_json_line(e);
      closed.insert(*e.router_id);
    } else if (e.kind == "connected" && closed.count(*e.router_id) && !landed.count(*e.router_id)) {
      landed[*e.router_id] = e.fields.value("unit", "");
    }
  }
  EXPECT_EQ(closed, expected);
  EXPECT_EQ(landed.size(), expected.size());
  for (const auto& [id, unit] : landed) EXPECT_EQ(unit, "center") << id;
}

TEST(SimSimulate, SameScenarioAndSeedGiveTheSameHistory) {
  fs::path a = scratch("det-a"), b = scratch("det-b"), c = scratch("det-c");
  ASSERT_EQ(simulate(kSeed + " --seed 7 --report-dir " + a.string(), a.string() + ".log"), 0);
  ASSERT_EQ(simulate(kSeed + " --seed 7 --report-dir " + b.string(), b.string() + ".log"), 0);
  ASSERT_EQ(simulate(kSeed + " --seed 8 --report-dir " + c.string(), c.string() + ".log"), 0);
  std::string history_a = slurp(a / "history.jsonl");
  ASSERT_GT(history_a.size(), 1000u);
  EXPECT_TRUE(history_a == slurp(b / "history.jsonl")) << "seed 7 twice gave different histories";
  // The seed's fleet uses backoff with jitter and picks addresses by draw: another seed differs.
  EXPECT_FALSE(history_a == slurp(c / "history.jsonl")) << "seeds 7 and 8 gave the same history";
}

TEST(SimSimulate, ExitCodesFollowWsfoRun) {
  fs::path dir = scratch("codes");
  fs::create_directories(dir);
  EXPECT_EQ(simulate((dir / "missing.json").string(), dir / "missing.log"), 3);
  std::ofstream(dir / "bad.json") << R"({"name": "bad"})";
  EXPECT_EQ(simulate((dir / "bad.json").string(), dir / "bad.log"), 2);  // as `wsfo run`
  EXPECT_EQ(simulate(kSeed + " --ramp nonsense", dir / "usage.log"), 2);
  // A SimGrid item it does not know: one line naming the key, not an abort with every key listed.
  EXPECT_EQ(simulate(kSeed + " --cfg no/such:1", dir / "cfg.log"), 2);
  EXPECT_NE(slurp(dir / "cfg.log").find("Bad config key: no/such"), std::string::npos);
  EXPECT_EQ(slurp(dir / "cfg.log").find("Existing config keys"), std::string::npos);
  // A wrong expectation fails the run with 1: the cutover is said to disconnect nobody.
  std::string text = slurp(kSeed);
  auto at = text.find(R"("disconnected": {"slots": [{"from": 5998, "to": 6380}]})");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string(R"("disconnected": {"slots": [{"from": 5998, "to": 6380}]})").size(),
               R"("disconnected": "none")");
  std::ofstream(dir / "wrong.json") << text;
  EXPECT_EQ(simulate((dir / "wrong.json").string() + " --report-dir " + (dir / "wrong").string(), dir / "wrong.log"),
            1);
  EXPECT_NE(slurp(dir / "wrong" / "junit.xml").find("failure"), std::string::npos);
}

// A backend-add reloads the unit's gateways: once unbj-app1 is killed, its
// clients come back through the added unbj-app2. Added to the other unit, the
// same backend leaves unbj without one, and they do not come back.
TEST(SimSimulate, BackendAddGivesTheUnitsGatewaysTheNewBackend) {
  fs::path dir = scratch("backend-add");
  fs::create_directories(dir);
  std::string scenario = std::string(WSFO_SOURCE_DIR) + "/scenarios/regression/backend-add.json";
  EXPECT_EQ(simulate(scenario + " --report-dir " + (dir / "run").string(), dir / "run.log"), 0)
      << slurp(dir / "run.log");
  std::string report = slurp(dir / "run.log");
  EXPECT_NE(report.find("[PASS] reach-backends: expected new connections reach unbj-app2; got unbj-app2: 453"),
            std::string::npos)
      << report;

  std::string text = slurp(scenario);
  const std::string add = R"("action": "backend-add",
      "unit": "unbj",)";
  auto at = text.find(add);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, add.size(), R"("action": "backend-add",
      "unit": "center",)");
  std::ofstream(dir / "elsewhere.json") << text;
  EXPECT_EQ(simulate((dir / "elsewhere.json").string() + " --report-dir " + (dir / "elsewhere").string(),
                     dir / "elsewhere.log"),
            1);
  std::string failed = slurp(dir / "elsewhere.log");
  EXPECT_NE(failed.find("[FAIL] reach-backends"), std::string::npos) << failed;
  EXPECT_NE(failed.find("[FAIL] reconnect-within"), std::string::npos) << failed;
}

// VRRP in the model: the regression keepalived-ha plays as it does live (its
// crosscheck compares the two). Here: the transitions come from core's state
// machine (preempt off keeps server2 the holder), a VIP released by a live
// node leaves the connections accepted on it silent until their client's next
// heartbeat ping meets a reset (never, without heartbeats), and a partition
// makes two masters of which only the holder binds.
class SimVrrp : public ::testing::Test {
 protected:
  const std::string scenario_ = std::string(WSFO_SOURCE_DIR) + "/scenarios/regression/keepalived-ha.json";

  // Plays the scenario with `from` replaced by `to` (each must occur); the exit status.
  int play_variant(const std::string& name, const std::vector<std::pair<std::string, std::string>>& edits) {
    dir_ = scratch("vrrp-" + name);
    fs::create_directories(dir_);
    std::string text = slurp(scenario_);
    for (const auto& [from, to] : edits) {
      auto at = text.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) text.replace(at, from.size(), to);
    }
    std::ofstream(dir_ / "scenario.json") << text;
    return simulate((dir_ / "scenario.json").string() + " --report-dir " + (dir_ / "run").string(), dir_ / "run.log");
  }
  std::vector<history::Event> history() { return read_history(dir_ / "run" / "history.jsonl"); }
  std::string log() { return slurp(dir_ / "run.log"); }

  fs::path dir_;
};

std::string field(const history::Event& e, const char* name) { return e.fields.value(name, std::string()); }

// When server2 gives vip-112 back, the 20 preempt to server1 at about 17.6 s.
std::int64_t preempt_back_of_vip112(const std::vector<history::Event>& events) {
  for (const auto& e : events)
    if (e.kind == "vip" && field(e, "instance") == "vip-112" && field(e, "node") == "server2" &&
        field(e, "to") == "BACKUP" && e.t_ns > 13'000'000'000)
      return e.t_ns;
  return -1;
}

TEST_F(SimVrrp, StoppedGatewayResignsAndThePreemptedNodeLeavesTheVipsConnectionsSilentUntilTheirNextPing) {
  ASSERT_EQ(play_variant("as-is", {}), 0) << log();
  const auto events = history();
  // server1 faults at its first track check after the stop (7 s), resigns,
  // and server2 takes vip-112 after its Skew_Time, as keepalived does.
  std::vector<std::string> vip112;
  for (const auto& e : events)
    if (e.kind == "vip" && field(e, "instance") == "vip-112")
      vip112.push_back(field(e, "node") + " " + field(e, "from") + "->" + field(e, "to"));
  const std::vector<std::string> expected = {
      "server1 INITIALIZE->BACKUP", "server2 INITIALIZE->BACKUP", "server1 BACKUP->MASTER",
      "server1 MASTER->FAULT",      "server2 BACKUP->MASTER",     "server1 FAULT->BACKUP",
      "server1 BACKUP->MASTER",     "server2 MASTER->BACKUP",     "server2 BACKUP->MASTER"};
  EXPECT_EQ(vip112, expected);
  const std::int64_t preempted_at = preempt_back_of_vip112(events);
  ASSERT_GT(preempted_at, 0);
  // Giving vip-112 back silences the 20 connections server2 accepted on it,
  // and no others: each client learns it at its next heartbeat (every 5 s
  // from its connect time), when the new holder resets the ping.
  constexpr std::int64_t kInterval = 5'000'000'000;
  std::map<std::uint64_t, std::int64_t> connected_at;
  std::set<std::uint64_t> reset;
  for (const auto& e : events) {
    if (!e.router_id) continue;
    if (e.kind == "connected") connected_at[*e.router_id] = e.t_ns;
    if (e.kind != "disconnected" || e.t_ns < preempted_at || e.t_ns >= 23'000'000'000) continue;
    EXPECT_EQ(field(e, "reason"), "Connection reset by peer");
    EXPECT_EQ(e.source, "via-vip-112");
    EXPECT_LT(e.t_ns - preempted_at, kInterval + 10'000'000) << "not later than its next ping";
    const std::int64_t since_connect = e.t_ns - connected_at[*e.router_id];
    EXPECT_LT(since_connect % kInterval, 10'000'000) << "at a ping: " << since_connect << " ns after its connect";
    EXPECT_GE(since_connect, kInterval);
    reset.insert(*e.router_id);
  }
  EXPECT_EQ(reset.size(), 20u);
}

// Without heartbeats a client never sends, so it never learns that its
// connection died with the VIP: it sits on it to the end of the run, as on
// real keepalived hosts. server2's count drops at the release all the same.
TEST_F(SimVrrp, WithoutHeartbeatsTheSilencedClientsStayOnTheDeadConnection) {
  play_variant("no-heartbeat", {{R"("url": "ws://127.47.0.112:8020/",
      "reconnect": {"fixed": {"delay": "1500ms"}},
      "heartbeat": {"interval": "5s", "timeout": "15s"})",
                                 R"("url": "ws://127.47.0.112:8020/",
      "reconnect": {"fixed": {"delay": "1500ms"}})"}});
  const auto events = history();
  const std::int64_t preempted_at = preempt_back_of_vip112(events);
  ASSERT_GT(preempted_at, 0) << log();
  std::size_t later = 0;
  for (const auto& e : events)
    if (e.kind == "disconnected" && e.t_ns >= preempted_at && e.source == "via-vip-112" &&
        field(e, "cause") != "shutdown")
      ++later;
  EXPECT_EQ(later, 0u) << "disconnected after the release: " << later;
  EXPECT_NE(log().find("[FAIL] disconnected: expected between 20 and 20 routerIds; got 0"), std::string::npos) << log();
}

// A powered-off VIP holder, as on the real stack: no client hears a reset
// or an end of file at once; each is reset at its first heartbeat ping after
// server2 becomes MASTER for vip-112 (a round trip later), and without
// heartbeats a client stays on the dead connection.
namespace power_off_test {
std::int64_t takeover_after(const std::vector<history::Event>& events, std::int64_t after_ns) {
  for (const auto& e : events)
    if (e.kind == "vip" && field(e, "instance") == "vip-112" && field(e, "node") == "server2" &&
        field(e, "to") == "MASTER" && e.t_ns > after_ns)
      return e.t_ns;
  return -1;
}
}  // namespace power_off_test

TEST_F(SimVrrp, APoweredOffHoldersClientsAreResetAtTheirFirstPingAfterTheTakeover) {
  play_variant("power-off", {{R"("action": "kill")", R"("action": "power-off")"}});
  const auto events = history();
  constexpr std::int64_t kPowerOff = 23'000'000'000, kInterval = 5'000'000'000;
  const std::int64_t takeover = power_off_test::takeover_after(events, kPowerOff);
  ASSERT_GT(takeover, kPowerOff + 3'000'000'000) << "Master_Down_Interval: " << log();
  std::map<std::uint64_t, std::int64_t> connected_at;
  std::size_t reset = 0;
  for (const auto& e : events) {
    if (!e.router_id) continue;
    if (e.kind == "connected") connected_at[*e.router_id] = e.t_ns;
    if (e.kind != "disconnected" || e.t_ns < kPowerOff || e.source != "via-vip-112") continue;
    if (e.t_ns >= takeover + kInterval + 10'000'000) continue;  // a later connection's end
    EXPECT_EQ(field(e, "reason"), "Connection reset by peer");
    EXPECT_GE(e.t_ns, takeover) << "not before the takeover";
    EXPECT_LT((e.t_ns - connected_at[*e.router_id]) % kInterval, 10'000'000) << "at a ping";
    ++reset;
  }
  EXPECT_EQ(reset, 20u) << log();

  play_variant("power-off-no-heartbeat", {{R"("action": "kill")", R"("action": "power-off")"},
                                          {R"("url": "ws://127.47.0.112:8020/",
      "reconnect": {"fixed": {"delay": "1500ms"}},
      "heartbeat": {"interval": "5s", "timeout": "15s"})",
                                           R"("url": "ws://127.47.0.112:8020/",
      "reconnect": {"fixed": {"delay": "1500ms"}})"}});
  std::size_t later = 0;
  for (const auto& e : history())
    if (e.kind == "disconnected" && e.t_ns >= kPowerOff && e.source == "via-vip-112" &&
        field(e, "cause") != "shutdown")
      ++later;
  EXPECT_EQ(later, 0u) << log();
}

TEST_F(SimVrrp, WithoutPreemptTheBackupKeepsTheVip) {
  ASSERT_EQ(play_variant("no-preempt", {{R"("vrid": 52,
          "advert_int": "1s",
          "preempt": true)",
                                         R"("vrid": 52,
          "advert_int": "1s",
          "preempt": false)"}}),
            1)
      << log();
  EXPECT_NE(log().find("[FAIL] vip: expected vip-112 held by server1 within 5s; got server2"), std::string::npos)
      << log();
}

TEST_F(SimVrrp, APartitionMakesTwoMastersAndOnlyTheHolderBinds) {
  ASSERT_NE(play_variant("partition", {{R"("action": "stop-gateway",
      "node": "server1",)",
                                        R"("action": "partition",
      "a": "server1",
      "b": "server2",)"},
                                       {R"("action": "start-gateway",
      "node": "server1",)",
                                        R"("action": "heal",
      "a": "server1",
      "b": "server2",)"}}),
            2)
      << log();
  std::set<std::string> masters_of_112;
  bool bind_failed = false;
  for (const auto& e : history()) {
    if (e.t_ns < 7'000'000'000 || e.t_ns > 13'000'000'000 || field(e, "instance") != "vip-112") continue;
    if (e.kind == "vip" && field(e, "to") == "MASTER") masters_of_112.insert(field(e, "node"));
    if (e.kind == "vip-bind-failed") {
      bind_failed = true;
      EXPECT_EQ(field(e, "node"), "server2");
      EXPECT_EQ(field(e, "reason"), "address in use");
    }
  }
  EXPECT_EQ(masters_of_112, std::set<std::string>{"server2"});  // server1 stays MASTER from before
  EXPECT_TRUE(bind_failed);
  EXPECT_NE(log().find("vip: expected vip-112 held by server2 within 3s; got server1"), std::string::npos) << log();
}

// A restored node is a new process: its agent starts in Initialize, then
// (priority 100, preempt) takes vip-112 back once its Master_Down_Interval
// has passed without a higher advert.
TEST_F(SimVrrp, ARestoredNodeStartsItsAgentAfreshAndPreemptsAgain) {
  dir_ = scratch("vrrp-restore");
  fs::create_directories(dir_);
  auto scenario = history::Json::parse(slurp(scenario_));
  scenario["duration"] = "36s";
  scenario["timeline"].push_back(
      {{"at", "28s"},
       {"action", "restore"},
       {"node", "server1"},
       {"expect", {{"vips", {{{"vip", "vip-112"}, {"holder", "server1"}, {"within", "5s"}}}}}}});
  std::ofstream(dir_ / "scenario.json") << scenario.dump(2);
  ASSERT_EQ(simulate((dir_ / "scenario.json").string() + " --report-dir " + (dir_ / "run").string(), dir_ / "run.log"),
            0)
      << log();
  std::vector<std::string> after_restore;
  for (const auto& e : history())
    if (e.kind == "vip" && e.t_ns >= 28'000'000'000 && field(e, "instance") == "vip-112")
      after_restore.push_back(field(e, "node") + " " + field(e, "from") + "->" + field(e, "to"));
  const std::vector<std::string> expected = {"server1 INITIALIZE->BACKUP", "server1 BACKUP->MASTER",
                                             "server2 MASTER->BACKUP"};
  EXPECT_EQ(after_restore, expected);
}

// The `proxy` correction in the model: unbj-gw1, where every client enters,
// hands center's slots to center-gw1, which serves them; killing center-gw1
// closes exactly those with unbj-gw1's 1011, and they get its 502 until the
// restore. Under `redirect` the same clients would be redirected instead.
TEST(SimSimulate, ProxyCorrectionHandsWrongUnitClientsToTheOwningUnitsGateway) {
  fs::path dir = scratch("proxy");
  const std::string scenario = std::string(WSFO_SOURCE_DIR) + "/scenarios/regression/proxy-correction.json";
  ASSERT_EQ(simulate(scenario + " --report-dir " + dir.string(), dir.string() + ".log"), 0)
      << slurp(dir.string() + ".log");
  std::set<std::uint64_t> center_first, closed_at_kill;
  bool got_502 = false, redirected = false;
  for (const auto& e : read_history(dir / "history.jsonl")) {
    redirected = redirected || e.kind == "redirect";
    if (e.kind == "connected" && e.t_ns < 3'000'000'000 && e.fields.value("node", "") == "center-gw1")
      center_first.insert(*e.router_id);
    if (e.kind == "disconnected" && e.t_ns >= 3'000'000'000 && e.t_ns < 5'000'000'000) {
      EXPECT_EQ(e.fields.value("code", 0), 1011);
      EXPECT_EQ(e.fields.value("reason", ""), "backend connection lost");
      closed_at_kill.insert(*e.router_id);
    }
    // The live gateway's answer, word for word (core/gateway/answers).
    if (e.kind == "rejected" && e.fields.value("status", 0) == 502)
      got_502 = got_502 || e.fields.value("reason", "") ==
                               "HTTP 502 Bad Gateway: no gateway of unit center answered: 127.43.1.1:8020 "
                               "(Connection refused)";
  }
  std::set<std::uint64_t> center_slots;
  for (std::uint64_t id = 5950; id <= 5997; ++id) center_slots.insert(id);
  EXPECT_EQ(center_first, center_slots);
  EXPECT_EQ(closed_at_kill, center_slots);
  EXPECT_TRUE(got_502);
  EXPECT_FALSE(redirected);
  // unbj-gw1 relays every connection, its own and the ones center-gw1 serves.
  auto capacity = history::Json::parse(slurp(dir / "capacity.json"));
  for (const auto& node : capacity["nodes"])
    EXPECT_EQ(node["peak_connections"].get<int>(), node["node"] == "unbj-gw1" ? 500 : 48) << node.dump();
}

}  // namespace
}  // namespace wsfo
