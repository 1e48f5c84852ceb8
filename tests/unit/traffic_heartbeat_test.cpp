#include <gtest/gtest.h>

#include "core/traffic/heartbeat_rules.hpp"

namespace traffic_heartbeat_test {

using namespace wsfo::traffic;
constexpr std::int64_t kS = 1'000'000'000;

TEST(HeartbeatRules, TicksCountFromTheConnectTime) {
  EXPECT_EQ(next_tick_after(500, kS, 500), 500 + kS);
  EXPECT_EQ(next_tick_after(500, kS, 500 + kS), 500 + 2 * kS);
  EXPECT_EQ(tick_at_or_after(500, kS, 500 + kS), 500 + kS);
}

TEST(HeartbeatRules, ASilentPeerEndsWithPongTimeoutAtTheTickAfterTheTimeout) {
  // Interval 1 s, timeout 3 s, silent at 2.5 s: the ping at 3 s is never
  // answered; the tick at 6 s finds it 3 s overdue.
  auto verdict = silent_peer_end(0, 2 * kS + kS / 2, {kS, 3 * kS}, 1'000'000);
  EXPECT_EQ(verdict.cause, HeartbeatEnd::pong_timeout);
  EXPECT_EQ(verdict.t_ns, 6 * kS);
}

TEST(HeartbeatRules, ALatePongIsGivenUpOnAtTheFirstOverdueTick) {
  EXPECT_FALSE(late_pong_end(10 * kS, {30 * kS, 10 * kS}, 29 * kS));
  EXPECT_FALSE(late_pong_end(10 * kS, {30 * kS, 10 * kS}, 30 * kS));
  EXPECT_EQ(late_pong_end(10 * kS, {30 * kS, 10 * kS}, 31 * kS), 40 * kS);
  EXPECT_EQ(late_pong_end(0, {kS, 3 * kS}, 4 * kS), 3 * kS);
}

TEST(HeartbeatRules, PingRttMaxSkipsTicksWhileAPingIsUnanswered) {
  std::vector<std::int64_t> pings;
  auto rtt = [&](std::int64_t t) {
    pings.push_back(t);
    return t == kS ? kS + kS / 2 : 1000;  // the first pong takes 1.5 s
  };
  auto longest = ping_rtt_max(0, 4 * kS, kS, rtt);
  ASSERT_TRUE(longest);
  EXPECT_EQ(*longest, kS + kS / 2);
  EXPECT_EQ(pings, (std::vector<std::int64_t>{kS, 3 * kS, 4 * kS}));
  EXPECT_FALSE(ping_rtt_max(0, kS / 2, kS, rtt));
}

TEST(HeartbeatRules, NoPingWithinAStepWhileTheOneBeforeIsUnanswered) {
  auto rtt = [](std::int64_t t) { return t == kS ? kS + kS / 2 : 1000; };  // the first pong takes 1.5 s
  EXPECT_EQ(ping_within(0, 0, kS, kS, rtt), kS);
  // The tick at 2 s finds the ping of 1 s unanswered: no ping in (1.5 s, 2.5 s].
  EXPECT_FALSE(ping_within(0, kS + kS / 2, 2 * kS + kS / 2, kS, rtt));
  EXPECT_EQ(ping_within(0, 2 * kS + kS / 2, 3 * kS, kS, rtt), 3 * kS);
  EXPECT_FALSE(ping_within(0, 0, kS / 2, kS, rtt));
}

}  // namespace traffic_heartbeat_test
