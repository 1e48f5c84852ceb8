#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/compare/comparison_json.hpp"
#include "core/compare/run_comparison.hpp"

namespace wsfo::compare_runs_test {

using compare::Fate;
using compare::Mechanism;
using history::Event;
constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kMs = 1'000'000;
const char* const kVipUrl = "ws://127.0.0.112:8020/";

Event connected(std::int64_t t, std::uint64_t id, const std::string& node, const std::string& url = kVipUrl) {
  Event e{"connected", t, "fleet", id, {}};
  e.fields = {{"node", node}, {"url", url}, {"unit", "lb"}};
  return e;
}

Event disconnected(std::int64_t t, std::uint64_t id, const std::string& reason,
                   const std::string& cause = "connection_lost", const std::string& closed_by = "network") {
  Event e{"disconnected", t, "fleet", id, {}};
  e.fields = {{"cause", cause}, {"reason", reason}, {"closed_by", closed_by}};
  return e;
}

Event vip(std::int64_t t, const std::string& node, const std::string& from, const std::string& to) {
  Event e{"vip", t, node, std::nullopt, {}};
  e.fields = {{"instance", "vip-112"}, {"node", node}, {"vip", "127.0.0.112"}, {"from", from}, {"to", to}};
  return e;
}

// One stack's run of a two-event timeline (10 s and 30 s, ending at 50 s), as the CLI hands it over.
struct SyntheticRun {
  std::vector<Event> history;
  std::vector<checks::EventWindow> windows;
  checks::Analysis analysis;
  std::vector<checks::Takeover> takeovers;
  std::vector<checks::SilentWindow> silent;

  SyntheticRun(std::vector<Event> events, const std::string& first_action = "start-gateway",
               const std::string& second_action = "backend-add")
      : history(std::move(events)) {
    std::stable_sort(history.begin(), history.end(), [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
    windows.push_back({0, first_action, 10 * kS, 30 * kS, {}});
    windows.push_back({1, second_action, 30 * kS, 50 * kS, {}});
    std::vector<std::uint64_t> population = {1, 2, 3, 4, 5};
    analysis = checks::analyse(history, windows, population, 10000);
    takeovers = checks::takeovers(checks::vip_transitions(history), windows);
    silent = checks::find_silent_connections(history, windows);
  }

  compare::RunView view(const std::string& label) const {
    return {label, history, windows, analysis.windows, takeovers, silent};
  }
};

// Client 1 on server2 through the VIP; server1 preempts the VIP at 14 s, server2 says it left a moment later.
std::vector<Event> preempted_at_14s() {
  return {vip(1 * kS, "server2", "BACKUP", "MASTER"), connected(2 * kS, 1, "server2"),
          vip(14 * kS, "server1", "BACKUP", "MASTER"), vip(14 * kS + 1 * kMs, "server2", "MASTER", "BACKUP")};
}

std::vector<Event> with(std::vector<Event> events, std::initializer_list<Event> more) {
  events.insert(events.end(), more);
  return events;
}

const compare::FateDifference* difference_of(const compare::Comparison& c, std::size_t event, std::uint64_t id) {
  for (const auto& d : c.differences)
    if (d.event == event && d.router_id == id) return &d;
  return nullptr;
}

TEST(CompareRuns, AnImmediateCloseAgainstALateResetIsResetByNewHolderWithBothSidesRecorded) {
  SyntheticRun emulation(with(preempted_at_14s(), {disconnected(14 * kS + 3 * kMs, 1, "Connection reset by peer")}));
  SyntheticRun real(with(preempted_at_14s(), {disconnected(16 * kS + 600 * kMs, 1, "Connection reset by peer")}));
  auto c = compare::compare_runs(emulation.view("wsfo"), real.view("nginx-keepalived"));
  ASSERT_TRUE(c.problems.empty());
  ASSERT_EQ(c.differences.size(), 1u);
  const auto& d = c.differences[0];
  EXPECT_EQ(d.event, 0u);
  EXPECT_EQ(d.router_id, 1u);
  EXPECT_EQ(d.mechanism, Mechanism::reset_by_new_holder);
  EXPECT_EQ(d.a.fate, Fate::closed);
  EXPECT_EQ(d.b.fate, Fate::dead_noticed_late);
  ASSERT_TRUE(d.b.dead_after_ns && d.b.disconnect);
  EXPECT_EQ(*d.b.dead_after_ns, 4 * kS);  // since server1 became MASTER
  EXPECT_EQ(d.b.disconnect->after_ns, 6 * kS + 600 * kMs);
  EXPECT_EQ(c.unexplained(), 0u);
  // Disconnected on both sides in the same window: the sets agree, the silent counts do not.
  EXPECT_TRUE(c.events[0].disconnected_only_a.empty());
  EXPECT_TRUE(c.events[0].disconnected_only_b.empty());
  EXPECT_EQ(c.events[0].a.silent_noticed_later, 0u);
  EXPECT_EQ(c.events[0].b.silent_noticed_later, 1u);
}

TEST(CompareRuns, AHeartbeatTimeoutLaterInTheWindowIsDetectedLate) {
  SyntheticRun emulation(with(preempted_at_14s(), {disconnected(14 * kS + 3 * kMs, 1, "End of file")}));
  SyntheticRun real(with(preempted_at_14s(),
                         {disconnected(25 * kS, 1, "no pong within 15000 ms of a ping", "pong_timeout", "client")}));
  auto c = compare::compare_runs(emulation.view("wsfo"), real.view("nginx-keepalived"));
  ASSERT_EQ(c.differences.size(), 1u);
  EXPECT_EQ(c.differences[0].mechanism, Mechanism::silent_connection_detected_late);
}

TEST(CompareRuns, UnnoticedUntilTheWindowEndsIsUndetectedThereAndDetectedLateAtTheEventWhereItNoticed) {
  SyntheticRun emulation(with(preempted_at_14s(), {disconnected(14 * kS + 3 * kMs, 1, "End of file")}));
  SyntheticRun real(
      with(preempted_at_14s(), {disconnected(35 * kS, 1, "nothing heard for 15000 ms", "idle_timeout", "client")}));
  auto c = compare::compare_runs(emulation.view("wsfo"), real.view("nginx-keepalived"));
  ASSERT_EQ(c.differences.size(), 2u);
  const auto* at_move = difference_of(c, 0, 1);
  const auto* at_notice = difference_of(c, 1, 1);
  ASSERT_TRUE(at_move && at_notice);
  EXPECT_EQ(at_move->mechanism, Mechanism::silent_connection_undetected);
  EXPECT_EQ(at_move->b.fate, Fate::dead_unnoticed);
  ASSERT_TRUE(at_move->b.noticed_after_ns);
  EXPECT_EQ(*at_move->b.noticed_after_ns, 25 * kS);  // past the window's end, still recorded
  EXPECT_EQ(at_notice->mechanism, Mechanism::silent_connection_detected_late);
  EXPECT_EQ(at_notice->b.fate, Fate::noticed_earlier_dead);
  EXPECT_EQ(at_notice->b.dead_since_event, std::optional<std::size_t>(0));
  EXPECT_EQ(c.events[0].disconnected_only_a, std::vector<std::uint64_t>{1});
  EXPECT_EQ(c.events[1].disconnected_only_b, std::vector<std::uint64_t>{1});
  EXPECT_EQ(c.events[0].b.silent_not_noticed, 1u);
}

TEST(CompareRuns, DeadOnBothStacksButNoticedOnOnlyOneBeforeTheWindowEndsIsNoticeTime) {
  SyntheticRun a(with(preempted_at_14s(), {disconnected(16 * kS, 1, "Connection reset by peer")}));
  SyntheticRun b(preempted_at_14s());
  auto c = compare::compare_runs(a.view("wsfo"), b.view("nginx-keepalived"));
  ASSERT_EQ(c.differences.size(), 1u);
  EXPECT_EQ(c.differences[0].mechanism, Mechanism::silent_connection_notice_time);
}

TEST(CompareRuns, AConnectionKeptThroughAReloadOnOneStackOnlyIsAnOldNginxWorkerButAfterAKillIsUnexplained) {
  std::vector<Event> quiet = {connected(2 * kS, 3, "server2", "ws://127.0.0.15:8020/")};
  SyntheticRun kept(quiet);
  SyntheticRun dropped(with(quiet, {disconnected(31 * kS, 3, "going away", "server_close", "server")}));
  auto reload = compare::compare_runs(kept.view("nginx-keepalived"), dropped.view("wsfo"));
  ASSERT_EQ(reload.differences.size(), 1u);
  EXPECT_EQ(reload.differences[0].event, 1u);
  EXPECT_EQ(reload.differences[0].mechanism, Mechanism::kept_on_old_nginx_worker);

  SyntheticRun kept_kill(quiet, "start-gateway", "kill");
  SyntheticRun dropped_kill(with(quiet, {disconnected(31 * kS, 3, "End of file")}), "start-gateway", "kill");
  auto kill = compare::compare_runs(kept_kill.view("nginx-keepalived"), dropped_kill.view("wsfo"));
  ASSERT_EQ(kill.differences.size(), 1u);
  EXPECT_EQ(kill.differences[0].mechanism, Mechanism::unexplained);
  EXPECT_EQ(kill.unexplained(), 1u);
  EXPECT_EQ(kill.differences[0].a.fate, Fate::stayed);
  ASSERT_TRUE(kill.differences[0].b.disconnect);
  EXPECT_EQ(kill.differences[0].b.disconnect->reason, "End of file");
  EXPECT_EQ(kill.differences[0].b.disconnect->after_ns, 1 * kS);
}

TEST(CompareRuns, TheSameFatesWithDifferentReasonsAreNoDifference) {
  SyntheticRun a(with(preempted_at_14s(), {disconnected(14 * kS + 3 * kMs, 1, "End of file")}));
  SyntheticRun b(with(preempted_at_14s(), {disconnected(14 * kS + 500 * kMs, 1, "Connection reset by peer")}));
  auto c = compare::compare_runs(a.view("wsfo"), b.view("nginx-keepalived"));
  EXPECT_TRUE(c.differences.empty());
  EXPECT_TRUE(c.takeover_differences.empty());  // both took over 4 s after the event
  EXPECT_EQ(c.events[0].a.takeover_ns.at("vip-112"), 4 * kS);
}

TEST(CompareRuns, TakeoverTimesDifferBeyondTenPercentOrThreeHundredMillisecondsWhicheverIsLarger) {
  auto ms = [](std::int64_t n) { return std::optional<std::int64_t>(n * kMs); };
  EXPECT_FALSE(compare::takeovers_differ(ms(3000), ms(3290)));    // within 300 ms
  EXPECT_TRUE(compare::takeovers_differ(ms(3000), ms(3400)));     // 400 ms > max(340, 300)
  EXPECT_FALSE(compare::takeovers_differ(ms(10000), ms(10900)));  // 900 ms < 10% of 10.9 s
  EXPECT_TRUE(compare::takeovers_differ(ms(10000), ms(11200)));
  EXPECT_TRUE(compare::takeovers_differ(ms(800), std::nullopt));  // moved on one stack only
  EXPECT_FALSE(compare::takeovers_differ(std::nullopt, std::nullopt));

  SyntheticRun fast(preempted_at_14s());
  std::vector<Event> slow_events = {vip(1 * kS, "server2", "BACKUP", "MASTER"), connected(2 * kS, 1, "server2"),
                                    vip(15 * kS + 600 * kMs, "server1", "BACKUP", "MASTER")};
  SyntheticRun slow(slow_events);
  auto c = compare::compare_runs(fast.view("wsfo"), slow.view("nginx-keepalived"));
  ASSERT_EQ(c.takeover_differences.size(), 1u);
  EXPECT_EQ(c.takeover_differences[0].event, 0u);
  EXPECT_EQ(c.takeover_differences[0].vip, "vip-112");
  EXPECT_EQ(c.takeover_differences[0].a_ns, std::optional<std::int64_t>(4 * kS));
  EXPECT_EQ(c.takeover_differences[0].b_ns, std::optional<std::int64_t>(5 * kS + 600 * kMs));
  EXPECT_EQ(c.unexplained(), 0u);  // a timing difference, not a fate difference
}

TEST(CompareRuns, RunsOfDifferentTimelinesAreNotComparedAndSaySo) {
  SyntheticRun a(preempted_at_14s());
  SyntheticRun b(preempted_at_14s(), "stop-gateway");
  auto c = compare::compare_runs(a.view("wsfo"), b.view("nginx-keepalived"));
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_NE(c.problems[0].find("#0 is start-gateway on wsfo but stop-gateway on nginx-keepalived"), std::string::npos);
  EXPECT_TRUE(c.events.empty());
}

TEST(CompareRuns, TheJsonNamesEachStackAndCountsTheDifferencesByMechanism) {
  SyntheticRun emulation(with(preempted_at_14s(), {disconnected(14 * kS + 3 * kMs, 1, "End of file")}));
  SyntheticRun real(preempted_at_14s());
  auto json = compare::to_json(compare::compare_runs(emulation.view("wsfo"), real.view("nginx-keepalived")));
  EXPECT_EQ(json["stacks"], nlohmann::json({"wsfo", "nginx-keepalived"}));
  EXPECT_EQ(json["unexplained"], 0);
  EXPECT_EQ(json["differences_by_mechanism"]["silent-connection-undetected"], 1);
  EXPECT_EQ(json["events"][0]["stacks"]["wsfo"]["disconnected"], 1);
  EXPECT_EQ(json["events"][0]["stacks"]["nginx-keepalived"]["silent"]["not_noticed"], 1);
  EXPECT_EQ(json["differences"][0]["stacks"]["nginx-keepalived"]["fate"], "dead, not noticed");
  EXPECT_EQ(json["mechanisms"].size(), compare::all_mechanisms().size());
}

}  // namespace wsfo::compare_runs_test
