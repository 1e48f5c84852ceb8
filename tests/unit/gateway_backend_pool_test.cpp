// Backend choice (core/gateway/backend_pool) and the walk over the
// candidates a proxied handshake makes (core/gateway/upstream_choice).
#include <gtest/gtest.h>

#include <set>

#include "core/gateway/backend_pool.hpp"
#include "core/gateway/upstream_choice.hpp"

namespace wsfo::gateway {
namespace {

using std::chrono::seconds;

Endpoint ep(std::uint16_t port) { return Endpoint{"127.0.0.1", port}; }

TEST(BackendPool, LongestPrefixWinsAndTheQueryIsIgnored) {
  BackendPool pool({{"/", {ep(1)}, Balance::round_robin},
                    {"/chat", {ep(2)}, Balance::round_robin},
                    {"/chat/admin", {ep(3)}, Balance::round_robin}},
                   seconds(10));
  struct Case {
    std::string target;
    std::uint16_t port;
  };
  for (const Case& c : std::vector<Case>{{"/", 1},
                                         {"/ws", 1},
                                         {"/chat", 2},
                                         {"/chatroom", 2},
                                         {"/chat/x?y=/chat/admin", 2},
                                         {"/chat/admin/1", 3},
                                         {"/?p=/chat", 1}}) {
    SCOPED_TRACE(c.target);
    BackendGroup* group = pool.route_for(c.target);
    ASSERT_NE(group, nullptr);
    EXPECT_EQ(group->endpoint(0).port, c.port);
  }
  BackendPool narrow({{"/only", {ep(1)}, Balance::round_robin}}, seconds(1));
  EXPECT_EQ(narrow.route_for("/other"), nullptr);
  EXPECT_EQ(narrow.prefix_of(narrow.route_for("/only/x")), "/only");
}

TEST(BackendPool, LiveBackendsCountsDistinctBackendsNotMarkedDown) {
  BackendPool pool({{"/", {ep(1), ep(2)}, Balance::round_robin}, {"/chat", {ep(2), ep(3)}, Balance::round_robin}},
                   seconds(10));
  EXPECT_EQ(pool.live_backends(seconds(0)), 3u);  // ep(2) is listed twice but counted once
  BackendGroup* chat = pool.route_for("/chat");
  chat->mark_failed(0, seconds(100));  // ep(2), as seen by /chat
  EXPECT_EQ(pool.live_backends(seconds(101)), 2u);
  chat->mark_failed(1, seconds(100));
  EXPECT_EQ(pool.live_backends(seconds(101)), 1u);
  EXPECT_EQ(pool.live_backends(seconds(110)), 3u);  // the fail timeout has passed
  EXPECT_EQ(BackendPool({}, seconds(1)).live_backends(seconds(0)), 0u);
}

TEST(BackendPool, AReloadedPoolKeepsTheDownMarksOfItsRoutes) {
  BackendPool old({{"/", {ep(1), ep(2)}, Balance::round_robin}, {"/chat", {ep(2)}, Balance::round_robin}}, seconds(10));
  old.route_for("/")->mark_failed(1, seconds(100));  // ep(2) under "/"
  BackendPool reloaded({{"/", {ep(2), ep(3)}, Balance::round_robin}, {"/chat", {ep(2)}, Balance::round_robin}},
                       seconds(10));
  reloaded.inherit_marks(old);
  EXPECT_TRUE(reloaded.route_for("/")->is_down(0, seconds(101)));
  EXPECT_FALSE(reloaded.route_for("/")->is_down(1, seconds(101)));
  EXPECT_FALSE(reloaded.route_for("/chat")->is_down(0, seconds(101)));  // marks are per route
  EXPECT_EQ(reloaded.all_backends(), (std::vector<Endpoint>{ep(2), ep(3)}));
}

TEST(BackendGroup, RoundRobinRotatesAndListsEveryBackend) {
  BackendGroup group({ep(1), ep(2), ep(3)}, Balance::round_robin, seconds(10));
  std::vector<std::vector<std::size_t>> expected = {{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {0, 1, 2}};
  for (const auto& e : expected) EXPECT_EQ(group.candidates(std::nullopt, seconds(0)), e);
}

TEST(BackendGroup, AFailedBackendIsTriedLastUntilItsFailTimeoutEnds) {
  BackendGroup group({ep(1), ep(2), ep(3)}, Balance::round_robin, seconds(10));
  group.mark_failed(1, seconds(100));
  EXPECT_TRUE(group.is_down(1, seconds(105)));
  EXPECT_EQ(group.candidates(std::nullopt, seconds(101)), (std::vector<std::size_t>{0, 2, 1}));
  EXPECT_EQ(group.candidates(std::nullopt, seconds(102)), (std::vector<std::size_t>{2, 0, 1}));
  EXPECT_EQ(group.candidates(std::nullopt, seconds(103)), (std::vector<std::size_t>{0, 2, 1}));
  EXPECT_FALSE(group.is_down(1, seconds(110)));
  EXPECT_EQ(group.candidates(std::nullopt, seconds(110)), (std::vector<std::size_t>{1, 2, 0}));
  group.mark_failed(2, seconds(110));
  group.mark_ok(2);
  EXPECT_FALSE(group.is_down(2, seconds(111)));
}

TEST(BackendGroup, RouterIdHashIsStableAndSpreads) {
  BackendGroup group({ep(1), ep(2), ep(3), ep(4)}, Balance::router_id_hash, seconds(10));
  std::set<std::size_t> firsts;
  for (std::uint64_t id = 0; id < 64; ++id) {
    auto a = group.candidates(id, seconds(0));
    auto b = group.candidates(id, seconds(1));
    EXPECT_EQ(a, b);
    firsts.insert(a.front());
  }
  EXPECT_EQ(firsts.size(), 4u);
  // Without a routerId, hashing falls back to round-robin.
  EXPECT_NE(group.candidates(std::nullopt, seconds(0)).front(), group.candidates(std::nullopt, seconds(0)).front());
}

// ---- Where a proxied handshake connects (core/gateway/upstream_choice), as the live gateway and the model walk it.
// ----

Decision upstream_decision(Decision::Kind kind, std::string unit) {
  Decision decision;
  decision.kind = kind;
  decision.unit = std::move(unit);
  return decision;
}

TEST(UpstreamChoice, TheGroupIsTheRouteForALocalHandshakeAndTheUnitsGatewaysForAProxiedOne) {
  BackendPool routes({{"/", {ep(1)}, Balance::round_robin}, {"/chat", {ep(2)}, Balance::round_robin}}, seconds(10));
  std::map<std::string, BackendGroup> units;
  units.emplace("center", BackendGroup({ep(8080)}, Balance::round_robin, seconds(10)));
  const Decision local = upstream_decision(Decision::Kind::proxy_local, "unbj");
  const Decision to_center = upstream_decision(Decision::Kind::proxy_to_unit, "center");

  EXPECT_EQ(upstream_group(local, "/chat/x?routerId=5", routes, units), routes.route_for("/chat"));
  EXPECT_EQ(upstream_group(to_center, "/chat/x", routes, units), &units.at("center"));
  EXPECT_EQ(upstream_group(upstream_decision(Decision::Kind::proxy_to_unit, "nowhere"), "/", routes, units), nullptr);
  BackendPool narrow({{"/only", {ep(1)}, Balance::round_robin}}, seconds(10));
  EXPECT_EQ(upstream_group(local, "/other", narrow, units), nullptr);
}

TEST(UpstreamChoice, TriesEachCandidateOnceAndNamesTheFailedOnes) {
  BackendGroup group({ep(1), ep(2), ep(3)}, Balance::round_robin, seconds(10));
  const MonotonicTime now = seconds(100);
  UpstreamChoice choice(group, std::nullopt, now);
  auto first = choice.next();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 0u);
  choice.failed(*first, "Connection refused", now);
  auto second = choice.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, 1u);
  EXPECT_EQ(choice.endpoint(*second).port, 2);
  choice.failed(*second, "Connection timed out", now);
  auto third = choice.next();
  ASSERT_TRUE(third);
  choice.failed(*third, "Connection refused", now);
  EXPECT_FALSE(choice.next());
  EXPECT_EQ(choice.tried(),
            "127.0.0.1:1 (Connection refused), 127.0.0.1:2 (Connection timed out), 127.0.0.1:3 (Connection refused)");
  // Each failure marked its backend down for the fail_timeout.
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(group.is_down(i, now + seconds(9)));
    EXPECT_FALSE(group.is_down(i, now + seconds(10)));
  }
}

TEST(UpstreamChoice, AConnectClearsTheMarkAndTheNextHandshakeSkipsTheDownOnes) {
  BackendGroup group({ep(1), ep(2), ep(3)}, Balance::round_robin, seconds(10));
  const MonotonicTime now = seconds(100);
  {
    UpstreamChoice choice(group, std::nullopt, now);
    choice.failed(*choice.next(), "Connection refused", now);
    auto index = choice.next();
    ASSERT_TRUE(index);
    choice.connected(*index);
    EXPECT_EQ(choice.tried(), "127.0.0.1:1 (Connection refused)");
  }
  EXPECT_TRUE(group.is_down(0, now));
  EXPECT_FALSE(group.is_down(1, now));
  // Round robin goes on with the live ones; the down one is only a last resort.
  UpstreamChoice next(group, std::nullopt, now);
  EXPECT_EQ(next.next(), std::optional<std::size_t>(1));
  EXPECT_EQ(next.next(), std::optional<std::size_t>(2));
  EXPECT_EQ(next.next(), std::optional<std::size_t>(0));
  EXPECT_EQ(next.next(), std::nullopt);
  EXPECT_TRUE(next.tried().empty());
}

TEST(UpstreamChoice, AnEmptyGroupHasNoCandidate) {
  BackendGroup group({}, Balance::round_robin, seconds(10));
  UpstreamChoice choice(group, std::nullopt, seconds(1));
  EXPECT_FALSE(choice.next());
  EXPECT_EQ(choice.tried(), "");
}

}  // namespace
}  // namespace wsfo::gateway
