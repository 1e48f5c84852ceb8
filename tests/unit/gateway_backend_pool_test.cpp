#include <gtest/gtest.h>

#include <set>

#include "core/gateway/backend_pool.hpp"

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

}  // namespace
}  // namespace wsfo::gateway
