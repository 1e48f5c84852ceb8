#include "core/checks/history_checks.hpp"

#include <gtest/gtest.h>

#include "core/checks/id_ranges.hpp"
#include "tests/support/history_events.hpp"

namespace wsfo::checks {
namespace {

using history::Event;
using history::Json;
constexpr std::int64_t ms = 1'000'000;

Event connected(std::int64_t t, std::uint64_t id, const std::string& unit) {
  return test::connected_event(t, id, unit, unit + "-1");
}
Event disconnected(std::int64_t t, std::uint64_t id, const std::string& cause, const std::string& unit = "") {
  Json fields{{"cause", cause}, {"code", 4001}, {"reason", "moved"}, {"closed_by", "server"}, {"connected_ns", 1}};
  if (!unit.empty()) fields["unit"] = unit;
  return {"disconnected", t, "clients-0", id, fields};
}

TEST(IdRanges, MergesConsecutiveIds) {
  EXPECT_EQ(format_ids({6380, 5998, 5999, 6000, 1111, 6000, 16000}), "1111, 5998-6000, 6380, 16000");
  EXPECT_EQ(format_ids({}), "none");
  EXPECT_EQ(format_ids({1, 3, 5, 7}, 2), "1, 3, \u2026 (2 more ranges)");
}

class HistoryChecks : public ::testing::Test {
 protected:
  // Population: 1111 (center), 7000 and 8330 (unbj, stay), 6100 (unbj, moves), 16101 (unbj, moves).
  std::vector<std::uint64_t> population{1111, 7000, 8330, 6100, 16101};
  std::vector<Event> history;
  EventWindow cutover{0, "cutover", 1000 * ms, 10000 * ms, {}};

  void SetUp() override {
    for (auto id : population)
      history.push_back(
          connected(10 * ms + static_cast<std::int64_t>(id), id, routing::slot_of(id) < 5998 ? "center" : "unbj"));
    history.push_back(disconnected(1001 * ms, 6100, "moved", "unbj"));
    history.push_back(disconnected(1002 * ms, 16101, "moved", "unbj"));
    history.push_back(connected(2500 * ms, 6100, "center"));
    history.push_back(connected(2600 * ms, 16101, "center"));
  }
  Analysis run() {
    std::sort(history.begin(), history.end(), [](auto& a, auto& b) { return a.t_ns < b.t_ns; });
    EventWindow windows[] = {cutover};
    return analyse(history, windows, population, 10000);
  }
};

TEST_F(HistoryChecks, ExactlyTheMovedSlotsDisconnectAndLandInCenter) {
  cutover.expect.disconnected = scenario::DisconnectSlots{{{5998, 6380}}};
  cutover.expect.reconnect_within = std::chrono::seconds(2);
  cutover.expect.land_in = "center";
  Analysis analysis = run();
  ASSERT_EQ(analysis.verdicts.size(), 3u);
  for (const auto& v : analysis.verdicts) EXPECT_EQ(v.status, Status::pass) << v.check << ": " << v.evidence;
  EXPECT_TRUE(analysis.passed());
  EXPECT_EQ(analysis.verdicts[0].expected, "the 2 clients in slots 5998-6380");
  EXPECT_EQ(analysis.windows[0].disconnected_by_cause.at("moved (4001)"), (std::vector<std::uint64_t>{6100, 16101}));
  EXPECT_EQ(analysis.windows[0].reconnect_latency.max(), std::chrono::milliseconds(1598));
}

TEST_F(HistoryChecks, ExtraDisconnectIsNamed) {
  history.push_back(disconnected(3000 * ms, 8330, "node-lost"));
  cutover.expect.disconnected = scenario::DisconnectSlots{{{5998, 6380}}};
  Analysis analysis = run();
  ASSERT_EQ(analysis.verdicts.size(), 1u);
  EXPECT_EQ(analysis.verdicts[0].status, Status::fail);
  EXPECT_EQ(analysis.verdicts[0].evidence, "disconnected unexpectedly: 8330");
  EXPECT_FALSE(analysis.passed());
}

TEST_F(HistoryChecks, MissingDisconnectIsNamed) {
  cutover.expect.disconnected = scenario::DisconnectRouterIds{{6100, 16101, 7000}};
  Analysis analysis = run();
  EXPECT_EQ(analysis.verdicts[0].status, Status::fail);
  EXPECT_EQ(analysis.verdicts[0].evidence, "expected but stayed connected: 7000");
}

TEST_F(HistoryChecks, NoneAndCountBounds) {
  cutover.expect.disconnected = scenario::DisconnectNone{};
  EXPECT_EQ(run().verdicts[0].status, Status::fail);
  cutover.expect.disconnected = scenario::DisconnectCount{1, 2};
  EXPECT_EQ(run().verdicts[0].status, Status::pass);
  cutover.expect.disconnected = scenario::DisconnectCount{3, 10};
  EXPECT_EQ(run().verdicts[0].status, Status::fail);
}

TEST_F(HistoryChecks, LateAndMissingReconnectsFail) {
  history.push_back(disconnected(1003 * ms, 7000, "moved", "unbj"));  // never comes back
  cutover.expect.reconnect_within = std::chrono::milliseconds(1550);
  cutover.expect.land_in = "center";
  Analysis analysis = run();
  EXPECT_EQ(analysis.verdicts[0].status, Status::fail);
  EXPECT_EQ(analysis.verdicts[0].evidence, "late: 16101; never reconnected: 7000");
  EXPECT_EQ(analysis.verdicts[0].actual, "max 1598.0 ms over 2 reconnects");
  EXPECT_EQ(analysis.verdicts[1].status, Status::fail);
  EXPECT_EQ(analysis.verdicts[1].evidence, "(not reconnected): 7000");
}

TEST_F(HistoryChecks, DualServiceIsDetected) {
  // A second client of routerId 6100 reaches center while the first is still on unbj.
  history.push_back(connected(1500 * ms, 7000, "center"));
  cutover.expect.no_dual_service = true;
  Analysis analysis = run();
  ASSERT_EQ(analysis.dual_service.size(), 1u);
  EXPECT_EQ(analysis.dual_service[0].router_id, 7000u);
  EXPECT_EQ(analysis.dual_service[0].units, (std::vector<std::string>{"center", "unbj"}));
  EXPECT_EQ(analysis.verdicts[0].status, Status::fail);
  EXPECT_EQ(analysis.verdicts[0].evidence, "served twice: 7000");
}

TEST_F(HistoryChecks, SequentialServiceInTwoUnitsIsNotDual) {
  cutover.expect.no_dual_service = true;
  EXPECT_EQ(run().verdicts[0].status, Status::pass);
}

TEST_F(HistoryChecks, GapsAndRedirectLoopsAreCounted) {
  history.push_back({"gap", 1200 * ms, "clients-0", 1111, Json{{"backend", "b"}, {"missing", 3}, {"after_seq", 7}}});
  history.push_back({"rejected", 1300 * ms, "clients-0", 7000,
                     Json{{"url", "u"}, {"error", "redirect_loop"}, {"reason", "redirect loop: a -> b"}}});
  cutover.expect.messages_lost_max = 2;
  cutover.expect.no_redirect_loop = true;
  Analysis analysis = run();
  EXPECT_EQ(analysis.windows[0].messages_lost, 3u);
  EXPECT_EQ(analysis.verdicts[0].status, Status::fail);
  EXPECT_EQ(analysis.verdicts[1].status, Status::fail);
  EXPECT_EQ(analysis.windows[0].failed_attempts, 1u);
}

// messages_lost_max: 0 (no message may go missing): one missing broadcast in
// the window fails it, a gap before the window does not count, none passes.
TEST_F(HistoryChecks, NoMessageLostFailsOnASingleMissingBroadcastInTheWindow) {
  cutover.expect.messages_lost_max = 0;
  history.push_back({"gap", 500 * ms, "clients-0", 7000, Json{{"backend", "b"}, {"missing", 4}, {"after_seq", 2}}});
  Analysis before = run();
  ASSERT_EQ(before.verdicts.size(), 1u);
  EXPECT_EQ(before.windows[0].messages_lost, 0u);
  EXPECT_EQ(before.verdicts[0].check, "messages-lost");
  EXPECT_EQ(before.verdicts[0].status, Status::pass) << before.verdicts[0].actual;

  history.push_back({"gap", 3000 * ms, "clients-0", 8330, Json{{"backend", "b"}, {"missing", 1}, {"after_seq", 9}}});
  Analysis after = run();
  EXPECT_EQ(after.windows[0].messages_lost, 1u);
  EXPECT_EQ(after.verdicts[0].status, Status::fail);
  EXPECT_EQ(after.verdicts[0].expected, "at most 0");
  EXPECT_EQ(after.verdicts[0].actual, "1");
}

TEST_F(HistoryChecks, VipHolderAfterTheEvent) {
  history.push_back({"vip", 1200 * ms, "server1", std::nullopt,
                     Json{{"instance", "VI_2"}, {"node", "server1"}, {"from", "MASTER"}, {"to", "FAULT"}}});
  history.push_back({"vip", 1300 * ms, "server2", std::nullopt,
                     Json{{"instance", "VI_2"}, {"node", "server2"}, {"from", "BACKUP"}, {"to", "MASTER"}}});
  cutover.expect.vips = {{"VI_2", "server2", std::chrono::seconds(1)}, {"VI_1", "server2", std::chrono::seconds(1)}};
  Analysis analysis = run();
  EXPECT_EQ(analysis.verdicts[0].status, Status::pass);
  EXPECT_EQ(analysis.verdicts[0].actual, "server2 (since 300 ms after the event)");
  EXPECT_EQ(analysis.verdicts[1].status, Status::unknown);
  cutover.expect.vips = {{"VI_2", "server2", std::chrono::milliseconds(250)}};
  EXPECT_EQ(run().verdicts[0].status, Status::fail);
}

// Split brain on loopback: both nodes are MASTER, only server1 binds the VIP.
TEST_F(HistoryChecks, VipHolderInASplitBrainIsTheMasterThatBinds) {
  auto vip = [](std::int64_t t, const std::string& node, const std::string& to) {
    return history::Event{
        "vip", t, node, std::nullopt,
        Json{{"instance", "VI_1"}, {"node", node}, {"vip", "127.0.40.10"}, {"from", "BACKUP"}, {"to", to}}};
  };
  auto bind = [](std::int64_t t, const std::string& kind) {
    return history::Event{kind, t, "server2", std::nullopt,
                          Json{{"instance", "VI_1"},
                               {"node", "server2"},
                               {"vip", "127.0.40.10"},
                               {"port", 8020},
                               {"reason", "Address already in use"}}};
  };
  history.push_back(vip(1100 * ms, "server1", "MASTER"));
  history.push_back(vip(1300 * ms, "server2", "MASTER"));
  history.push_back(bind(1400 * ms, "vip-bind-failed"));
  cutover.expect.vips = {{"VI_1", "server1", std::chrono::seconds(1)}};
  Analysis analysis = run();
  EXPECT_EQ(analysis.verdicts[0].status, Status::pass) << analysis.verdicts[0].actual;
  EXPECT_EQ(analysis.verdicts[0].actual, "server1 (since 100 ms after the event)");

  // Once server1 steps down, server2's retried bind succeeds: it holds the VIP.
  history.push_back(vip(1500 * ms, "server1", "BACKUP"));
  history.push_back(bind(1600 * ms, "vip-bound"));
  cutover.expect.vips = {{"VI_1", "server2", std::chrono::seconds(1)}};
  EXPECT_EQ(run().verdicts[0].status, Status::pass);
}

TEST_F(HistoryChecks, DisconnectsOutsideTheWindowAreNotAttributed) {
  history.push_back(disconnected(500 * ms, 1111, "node-lost"));
  history.push_back(disconnected(10000 * ms, 8330, "node-lost"));
  cutover.expect.disconnected = scenario::DisconnectSlots{{{5998, 6380}}};
  EXPECT_EQ(run().verdicts[0].status, Status::pass);
}

}  // namespace
}  // namespace wsfo::checks

namespace wsfo::checks {
namespace {

TEST(DisconnectCause, GroupsByCodeThenByClientCause) {
  auto event = [](const std::string& cause, std::optional<int> code) {
    history::Json fields{{"cause", cause}, {"reason", ""}, {"closed_by", "server"}, {"connected_ns", 1}};
    if (code) fields["code"] = *code;
    return history::Event{"disconnected", 1, "c", 1, fields};
  };
  EXPECT_EQ(disconnect_cause(event("server_close", 4001)), "moved (4001)");
  EXPECT_EQ(disconnect_cause(event("server_close", 1001)), "shutdown (1001)");
  EXPECT_EQ(disconnect_cause(event("server_close", 1011)), "backend gone (1011)");
  EXPECT_EQ(disconnect_cause(event("connection_lost", std::nullopt)), "node lost");
  EXPECT_EQ(disconnect_cause(event("pong_timeout", std::nullopt)), "idle timeout");
  EXPECT_EQ(disconnect_cause(event("server_close", 1000)), "server_close (1000)");
  EXPECT_EQ(disconnect_cause(event("", std::nullopt)), "unknown");
}

}  // namespace
}  // namespace wsfo::checks
