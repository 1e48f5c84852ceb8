#include "core/checks/silent_connections.hpp"

#include <gtest/gtest.h>

namespace wsfo::checks_silent_test {

using history::Event;
constexpr std::int64_t kS = 1'000'000'000;

Event connected(std::int64_t t, std::uint64_t id, const std::string& group, const std::string& node,
                const std::string& url) {
  Event e;
  e.kind = "connected";
  e.t_ns = t;
  e.source = group;
  e.router_id = id;
  e.fields = {{"node", node}, {"url", url}, {"unit", "lb"}};
  return e;
}

Event disconnected(std::int64_t t, std::uint64_t id, const std::string& group) {
  Event e;
  e.kind = "disconnected";
  e.t_ns = t;
  e.source = group;
  e.router_id = id;
  e.fields = {{"cause", "connection_lost"}};
  return e;
}

Event vip(std::int64_t t, const std::string& node, const std::string& from, const std::string& to) {
  Event e;
  e.kind = "vip";
  e.t_ns = t;
  e.source = node;
  e.fields = {{"instance", "vip-112"}, {"node", node}, {"vip", "127.0.0.112"}, {"from", from}, {"to", to}};
  return e;
}

std::vector<checks::EventWindow> windows() {
  checks::EventWindow w;
  w.index = 0;
  w.name = "power-off";
  w.start_ns = 10 * kS;
  w.end_ns = 30 * kS;
  return {w};
}

TEST(ChecksSilentConnections, AKilledHolderLeavesItsVipClientsDeadSinceTheEventUntilTheyNotice) {
  std::vector<Event> history = {
      vip(1 * kS, "server2", "BACKUP", "MASTER"),
      connected(2 * kS, 1, "beats", "server2", "ws://127.0.0.112:8020/"),
      connected(2 * kS, 2, "quiet", "server2", "ws://127.0.0.112:8020/"),
      connected(2 * kS, 3, "direct", "server2", "ws://127.0.0.15:8020/"),  // the node's own address: not the VIP
      vip(13 * kS, "server1", "BACKUP", "MASTER"),                          // server2 said nothing: it was lost
      disconnected(15 * kS, 1, "beats"),
  };
  auto silent = checks::find_silent_connections(history, windows());
  ASSERT_EQ(silent.size(), 1u);
  ASSERT_EQ(silent[0].groups.size(), 2u);
  const auto& beats = silent[0].groups[0];
  const auto& quiet = silent[0].groups[1];
  EXPECT_EQ(beats.group, "beats");
  EXPECT_EQ(beats.affected, 1u);
  EXPECT_EQ(beats.noticed_later, 1u);
  EXPECT_EQ(beats.delay.max().count(), 5 * kS);  // dead since the event at 10 s
  EXPECT_EQ(quiet.group, "quiet");
  EXPECT_EQ(quiet.not_noticed, 1u);
  EXPECT_EQ(silent[0].silent(), 2u);
}

TEST(ChecksSilentConnections, AHolderThatSaysItLeftIsDeadSinceThenAndAResetSoonAfterIsNoticedAtOnce) {
  std::vector<Event> history = {
      vip(1 * kS, "server2", "BACKUP", "MASTER"),
      connected(2 * kS, 1, "beats", "server2", "ws://127.0.0.112:8020/"),
      vip(13 * kS, "server2", "MASTER", "BACKUP"),
      disconnected(13 * kS + 300'000'000, 1, "beats"),
      vip(13 * kS + 400'000'000, "server1", "BACKUP", "MASTER"),
  };
  auto silent = checks::find_silent_connections(history, windows());
  ASSERT_EQ(silent.size(), 1u);
  ASSERT_EQ(silent[0].groups.size(), 1u);
  EXPECT_EQ(silent[0].groups[0].noticed_at_once, 1u);
  EXPECT_EQ(silent[0].silent(), 0u);
}

TEST(ChecksSilentConnections, ClientsThatDisconnectedBeforeTheVipMovedAreNotAffected) {
  std::vector<Event> history = {
      vip(1 * kS, "server2", "BACKUP", "MASTER"),
      connected(2 * kS, 1, "beats", "server2", "ws://127.0.0.112:8020/"),
      disconnected(10 * kS + 1000, 1, "beats"),  // the kill closed it at once
      vip(13 * kS, "server1", "BACKUP", "MASTER"),
  };
  EXPECT_TRUE(checks::find_silent_connections(history, windows()).empty());
}

}  // namespace wsfo::checks_silent_test

namespace wsfo::checks_silent_test {

TEST(ChecksSilentConnections, APreemptedHolderThatSaysItLeftJustAfterTheNewMasterIsDeadSinceTheTakeover) {
  std::vector<Event> history = {
      vip(1 * kS, "server2", "BACKUP", "MASTER"),
      connected(2 * kS, 1, "beats", "server2", "ws://127.0.0.112:8020/"),
      vip(14 * kS, "server1", "BACKUP", "MASTER"),
      vip(14 * kS + 1000, "server2", "MASTER", "BACKUP"),  // it heard the higher advert
      disconnected(14 * kS + 200'000'000, 1, "beats"),
  };
  auto silent = checks::find_silent_connections(history, windows());
  ASSERT_EQ(silent.size(), 1u);
  EXPECT_EQ(silent[0].groups[0].noticed_at_once, 1u);
  EXPECT_EQ(silent[0].groups[0].delay.max().count(), 200'000'000);
}

}  // namespace wsfo::checks_silent_test
