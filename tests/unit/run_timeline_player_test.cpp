// core/run's TimelinePlayer against a scripted engine: no sockets, no clock.
#include <gtest/gtest.h>

#include "core/run/timeline_player.hpp"
#include "tests/unit/test_scenarios.hpp"

namespace run_timeline_player_test {

using namespace wsfo;

using test::load_project_scenario;

// Time moves only when the player sleeps.
class ScriptedClock : public run::RunClock {
 public:
  explicit ScriptedClock(std::int64_t start) : now_(start) {}
  std::int64_t now_ns() override { return now_; }
  void sleep_until_ns(std::int64_t t) override { now_ = std::max(now_, t); }

 private:
  std::int64_t now_;
};

// Records what it was asked; fails the actions named in `fail`.
class RecordingNemesis : public run::Nemesis {
 public:
  std::vector<std::string> calls;
  std::map<std::string, std::string> fail;  // call → error text
  std::vector<std::string> reloaded_backends;
  std::uint64_t reloaded_rules_version = 0;

  void action_started(std::size_t index, const std::string& name, std::int64_t at) override {
    calls.push_back("#" + std::to_string(index) + " " + name + " @" + std::to_string(at));
  }
  std::string call(const std::string& what) {
    calls.push_back(what);
    auto it = fail.find(what);
    return it == fail.end() ? std::string() : it->second;
  }
  std::string kill_node(const scenario::KillNode& k) override { return call("kill " + k.node); }
  std::string power_off(const scenario::PowerOff& o) override { return call("power-off " + o.node); }
  std::string restore_node(const scenario::RestoreNode& r) override { return call("restore " + r.node); }
  std::string stop_gateway(const scenario::StopGateway& s) override { return call("stop " + s.node); }
  std::string start_gateway(const scenario::StartGateway& s) override { return call("start " + s.node); }
  std::string kill_backend(const scenario::BackendKill& b) override { return call("backend-kill " + b.backend); }
  std::string restore_backend(const scenario::BackendRestore& b) override {
    return call("backend-restore " + b.backend);
  }
  std::string add_backend(const scenario::BackendAdd& a, const scenario::Scenario& reloaded) override {
    note_reload(reloaded, a.unit);
    return call("backend-add " + a.backend.name);
  }
  std::string remove_backend(const scenario::BackendRemove& r, const scenario::Scenario& reloaded) override {
    note_reload(reloaded, r.unit);
    return call("backend-remove " + r.backend);
  }
  std::string partition(const scenario::Partition& p) override { return call("partition " + p.a + " " + p.b); }
  std::string heal(const scenario::Heal& h) override { return call("heal " + h.a + " " + h.b); }
  std::string add_clients(const scenario::ClientsAdd& c) override { return call("clients-add " + c.group); }
  std::string admin_unreachable(const scenario::AdminUnreachable& a) override {
    return call("admin-unreachable " + a.node);
  }
  std::string admin_slow(const scenario::AdminSlow& a) override {
    return call("admin-slow " + a.node + " " + std::to_string(a.delay.count() / 1'000'000) + "ms");
  }
  std::string admin_restore(const scenario::AdminRestore& a) override { return call("admin-restore " + a.node); }
  std::map<std::string, std::optional<std::uint64_t>> gateway_versions() override {
    calls.push_back("versions");
    return {{"gw", 7}};
  }

 private:
  void note_reload(const scenario::Scenario& reloaded, const std::string& unit) {
    reloaded_backends.clear();
    for (const auto& route : reloaded.find_unit(unit)->routes)
      for (const auto& b : route.backends) reloaded_backends.push_back(b);
    reloaded_rules_version = reloaded.rules.version();
  }
};

// Every gateway answers; prepare/commit succeed unless `refuse_prepare`.
class AgreeingAdmin : public cutover::GatewayAdmin {
 public:
  explicit AgreeingAdmin(run::RunClock& clock, std::uint64_t version) : clock_(clock), version_(version) {}
  bool refuse_prepare = false;

  cutover::GatewayStatus status(const cutover::GatewayRef&) override {
    cutover::GatewayStatus s;
    s.reachable = true;
    s.version = version_;
    s.serving = true;
    s.live_backends = 1;
    s.max_connections = 1000;
    return s;
  }
  cutover::PreviewReply preview(const cutover::GatewayRef&, const routing::RuleSet& rules) override {
    cutover::PreviewReply reply;
    reply.reply = {true, 200, "ok"};
    reply.closes_per_moved_range.assign(rules.version() ? 16 : 0, 0);
    return reply;
  }
  cutover::AdminReply prepare(const cutover::GatewayRef&, const routing::RuleSet&) override {
    return refuse_prepare ? cutover::AdminReply{false, 409, "conflict"} : cutover::AdminReply{true, 200, "ok"};
  }
  cutover::AdminReply commit(const cutover::GatewayRef&, std::uint64_t v) override {
    version_ = v;
    return {true, 200, "ok"};
  }
  cutover::AdminReply abort(const cutover::GatewayRef&, std::uint64_t) override { return {true, 200, "ok"}; }
  void sleep(cutover::Duration d) override { clock_.sleep_until_ns(clock_.now_ns() + d.count()); }
  cutover::Duration now() override { return cutover::Duration(clock_.now_ns()); }

 private:
  run::RunClock& clock_;
  std::uint64_t version_;
};

constexpr std::int64_t kStart = 1'000'000'000;

std::vector<cutover::GatewayRef> every_node(const scenario::Scenario& s) {
  std::vector<cutover::GatewayRef> refs;
  for (const auto& unit : s.units)
    for (const auto& node : unit.nodes) refs.push_back({node.name, unit.name, node.name});
  return refs;
}

TEST(RunTimelinePlayer, WindowsFollowTheTimelineAndEndAtTheScenarioEnd) {
  auto s = load_project_scenario("regression/node-kill.json");
  ScriptedClock clock(kStart);
  RecordingNemesis nemesis;
  AgreeingAdmin admin(clock, s.rules.version());
  run::RunRecord record;
  run::TimelinePlayer(s, {nemesis, admin, clock, {}, {}}).play(record);

  ASSERT_EQ(record.windows.size(), s.timeline.size());
  EXPECT_EQ(record.start_ns, kStart);
  EXPECT_EQ(record.end_ns, kStart + s.duration.count());
  for (std::size_t i = 0; i < s.timeline.size(); ++i) {
    EXPECT_EQ(record.windows[i].index, i);
    EXPECT_EQ(record.windows[i].name, scenario::action_name(s.timeline[i].action));
    EXPECT_EQ(record.windows[i].start_ns, kStart + s.timeline[i].at.count());
    std::int64_t end = i + 1 < s.timeline.size() ? record.windows[i + 1].start_ns : record.end_ns;
    EXPECT_EQ(record.windows[i].end_ns, end);
  }
  EXPECT_TRUE(record.notes.empty());
}

TEST(RunTimelinePlayer, AFailedActionIsANoteAndTheWindowsError) {
  auto s = load_project_scenario("regression/node-kill.json");
  ScriptedClock clock(0);
  RecordingNemesis nemesis;
  std::string kill;
  for (const auto& e : s.timeline)
    if (auto* k = std::get_if<scenario::KillNode>(&e.action)) kill = "kill " + k->node;
  ASSERT_FALSE(kill.empty());
  nemesis.fail[kill] = "no such process";
  AgreeingAdmin admin(clock, s.rules.version());
  std::vector<std::string> said;
  run::RunRecord record;
  run::TimelinePlayer(s, {nemesis, admin, clock, {}, [&](const std::string& l) { said.push_back(l); }}).play(record);

  ASSERT_EQ(record.notes.size(), 1u);
  EXPECT_NE(record.notes[0].find(" kill: no such process"), std::string::npos) << record.notes[0];
  std::size_t failed = 0;
  for (const auto& w : record.windows) failed += w.action_error == "no such process";
  EXPECT_EQ(failed, 1u);
  EXPECT_EQ(said, std::vector<std::string>{"  error: no such process"});
}

TEST(RunTimelinePlayer, APowerOffIsHandedToTheNemesisAsAPowerOffAndItsErrorRecorded) {
  auto s = load_project_scenario("regression/keepalived-ha.json");
  const std::string node = s.units[0].nodes[0].name;
  scenario::TimelineEvent off, back;
  off.at = s.timeline.back().at + std::chrono::seconds(1);
  off.action = scenario::PowerOff{node};
  back.at = off.at + std::chrono::seconds(1);
  back.action = scenario::RestoreNode{node};
  s.timeline.push_back(off);
  s.timeline.push_back(back);
  s.duration = std::max(s.duration, back.at + std::chrono::seconds(1));

  ScriptedClock clock(0);
  RecordingNemesis nemesis;
  nemesis.fail["power-off " + node] = "link stuck";
  AgreeingAdmin admin(clock, s.rules.version());
  run::RunRecord record;
  run::TimelinePlayer(s, {nemesis, admin, clock, {}, {}}).play(record);

  const std::size_t off_index = s.timeline.size() - 2;
  const std::string started = "#" + std::to_string(off_index) + " power-off @" + std::to_string(off.at.count());
  auto at = std::find(nemesis.calls.begin(), nemesis.calls.end(), started);
  ASSERT_NE(at, nemesis.calls.end());
  ASSERT_LT(at + 3, nemesis.calls.end());
  EXPECT_EQ(*(at + 1), "power-off " + node);
  EXPECT_EQ(*(at + 3), "restore " + node);
  EXPECT_EQ(record.windows[off_index].name, "power-off");
  EXPECT_EQ(record.windows[off_index].action_error, "link stuck");
  EXPECT_EQ(record.notes, std::vector<std::string>{"#" + std::to_string(off_index) + " power-off: link stuck"});
}

TEST(RunTimelinePlayer, ACommittedCutoverChangesTheRulesInForceForLaterReloads) {
  auto s = load_project_scenario("regression/fenced-cutover.json");
  // After the cutover, a reload adds a backend to the first unit.
  scenario::BackendAdd add;
  add.unit = s.units[0].name;
  add.backend = s.units[0].backends[0];
  add.backend.name = "added-app";
  scenario::TimelineEvent reload;
  reload.at = s.timeline.back().at + std::chrono::seconds(1);
  reload.action = add;
  s.timeline.push_back(reload);
  s.duration = std::max(s.duration, reload.at + std::chrono::seconds(1));

  ScriptedClock clock(0);
  RecordingNemesis nemesis;
  AgreeingAdmin admin(clock, s.rules.version());
  run::RunRecord record;
  run::TimelinePlayer player(s, {nemesis, admin, clock, every_node(s), {}});
  player.play(record);

  ASSERT_FALSE(record.cutovers.empty());
  const auto& [index, result] = *record.cutovers.begin();
  EXPECT_EQ(result.outcome, cutover::Outcome::committed) << result.reason;
  EXPECT_EQ(record.windows[index].cutover_outcome, "committed");
  ASSERT_TRUE(record.windows[index].versions_after.count("gw"));
  EXPECT_EQ(record.rules_after.version(), result.to_version);
  EXPECT_EQ(nemesis.reloaded_rules_version, result.to_version);
  EXPECT_NE(std::find(nemesis.reloaded_backends.begin(), nemesis.reloaded_backends.end(), "added-app"),
            nemesis.reloaded_backends.end());
}

TEST(RunTimelinePlayer, ARefusedCutoverKeepsTheRules) {
  auto s = load_project_scenario("regression/fenced-cutover.json");
  ScriptedClock clock(0);
  RecordingNemesis nemesis;
  AgreeingAdmin admin(clock, s.rules.version());
  admin.refuse_prepare = true;
  run::RunRecord record;
  run::TimelinePlayer(s, {nemesis, admin, clock, every_node(s), {}}).play(record);
  ASSERT_FALSE(record.cutovers.empty());
  EXPECT_NE(record.cutovers.begin()->second.outcome, cutover::Outcome::committed);
  EXPECT_EQ(record.rules_after.version(), s.rules.version());
}

}  // namespace run_timeline_player_test
