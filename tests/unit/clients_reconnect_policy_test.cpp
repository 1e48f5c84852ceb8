#include <gtest/gtest.h>

#include "core/clients/reconnect_policy.hpp"
#include "core/util/random.hpp"

namespace wsfo::clients {
namespace {

using namespace std::chrono_literals;

// Time as the fleet sees it, advanced by hand.
struct ManualClock {
  Nanos now{0};
  void advance_to(Nanos t) { now = t; }
};

constexpr std::uint64_t kMaxDraw = UINT64_MAX;

TEST(ReconnectPolicy, FixedDelayIsTheSameAfterEveryFailure) {
  ReconnectSpec spec = FixedDelay{1500ms};
  ReconnectPolicy policy(spec);
  ManualClock clock;
  for (int i = 0; i < 5; ++i) {
    auto at = policy.schedule_retry(clock.now, 12345);
    EXPECT_EQ(at - clock.now, 1500ms);
    clock.advance_to(at + 7ms);  // the attempt itself took 7 ms and failed
  }
  EXPECT_EQ(policy.consecutive_failures(), 5u);
}

TEST(ReconnectPolicy, BackoffCeilingDoublesUpToTheCap) {
  ReconnectSpec spec = ExponentialBackoff{100ms, 1s, std::nullopt};
  // The largest draw gives the ceiling itself: 100, 200, 400, 800, 1000, 1000.
  std::vector<Nanos> expected = {100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms};
  for (std::uint32_t n = 0; n < expected.size(); ++n)
    EXPECT_EQ(reconnect_delay(spec, n, kMaxDraw, std::nullopt), expected[n]) << "failures " << n;
  EXPECT_EQ(reconnect_delay(spec, 4000000000u, kMaxDraw, std::nullopt), 1s);  // no overflow
}

TEST(ReconnectPolicy, FullJitterSpansZeroToTheCeiling) {
  ReconnectSpec spec = ExponentialBackoff{100ms, 10s, std::nullopt};
  EXPECT_EQ(reconnect_delay(spec, 3, 0, std::nullopt), 0ns);
  EXPECT_EQ(reconnect_delay(spec, 3, kMaxDraw / 2, std::nullopt), 400ms);
  util::SplitMix64 rng(42);
  Nanos lowest = 1h, highest = 0ns, sum = 0ns;
  for (int i = 0; i < 2000; ++i) {
    auto d = reconnect_delay(spec, 3, rng.next(), std::nullopt);
    ASSERT_GE(d, 0ns);
    ASSERT_LE(d, 800ms);
    lowest = std::min(lowest, d), highest = std::max(highest, d), sum += d;
  }
  EXPECT_LT(lowest, 40ms);  // uniform: the extremes are reached
  EXPECT_GT(highest, 760ms);
  EXPECT_NEAR(static_cast<double>((sum / 2000).count()), 400e6, 40e6);
}

TEST(ReconnectPolicy, AJitterFractionSpreadsAroundTheCeiling) {
  ReconnectSpec spec = ExponentialBackoff{100ms, 10s, 0.2};
  EXPECT_EQ(reconnect_delay(spec, 3, 0, std::nullopt), 640ms);  // 800 ms * (1 - 0.2)
  EXPECT_NEAR(static_cast<double>(reconnect_delay(spec, 3, kMaxDraw, std::nullopt).count()), 960e6, 1e3);
  EXPECT_NEAR(static_cast<double>(reconnect_delay(spec, 3, kMaxDraw / 2, std::nullopt).count()), 800e6, 1e3);
  util::SplitMix64 rng(7);
  Nanos lowest = 1h, highest = 0ns;
  for (int i = 0; i < 2000; ++i) {
    auto d = reconnect_delay(spec, 3, rng.next(), std::nullopt);
    ASSERT_GE(d, 640ms);
    ASSERT_LE(d, 960ms);
    lowest = std::min(lowest, d), highest = std::max(highest, d);
  }
  EXPECT_LT(lowest, 660ms);
  EXPECT_GT(highest, 940ms);
  ReconnectSpec none = ExponentialBackoff{100ms, 10s, 0.0};
  EXPECT_EQ(reconnect_delay(none, 2, 12345, std::nullopt), 400ms);  // jitter=0: the ceiling itself
}

TEST(ReconnectPolicy, RetryAfterIsAFloor) {
  ReconnectSpec fixed = FixedDelay{1500ms};
  EXPECT_EQ(reconnect_delay(fixed, 0, 0, 3s), 3s);
  EXPECT_EQ(reconnect_delay(fixed, 0, 0, 1s), 1500ms);
  ReconnectSpec backoff = ExponentialBackoff{100ms, 10s, std::nullopt};
  EXPECT_EQ(reconnect_delay(backoff, 0, 0, 2s), 2s);
}

TEST(ReconnectPolicy, ResetsAfterASuccessfulConnection) {
  ReconnectSpec spec = ExponentialBackoff{100ms, 10s, std::nullopt};
  ReconnectPolicy policy(spec);
  ManualClock clock;
  for (int i = 0; i < 4; ++i) clock.advance_to(policy.schedule_retry(clock.now, kMaxDraw));
  EXPECT_EQ(clock.now, 100ms + 200ms + 400ms + 800ms);
  EXPECT_EQ(policy.schedule_retry(clock.now, kMaxDraw) - clock.now, 1600ms);
  policy.on_connected();
  EXPECT_EQ(policy.consecutive_failures(), 0u);
  EXPECT_EQ(policy.schedule_retry(clock.now, kMaxDraw) - clock.now, 100ms);
}

TEST(ReconnectSpecText, ParsesBothForms) {
  std::string error;
  auto fixed = parse_reconnect_spec("fixed:250ms", error);
  ASSERT_TRUE(fixed) << error;
  EXPECT_EQ(std::get<FixedDelay>(*fixed).delay, 250ms);
  auto backoff = parse_reconnect_spec("backoff:base=50ms,cap=3s", error);
  ASSERT_TRUE(backoff) << error;
  EXPECT_EQ(std::get<ExponentialBackoff>(*backoff).base, 50ms);
  EXPECT_EQ(std::get<ExponentialBackoff>(*backoff).cap, 3s);
  EXPECT_EQ(to_string(*backoff), "backoff:base=50ms,cap=3s");
  EXPECT_FALSE(std::get<ExponentialBackoff>(*backoff).jitter);  // full jitter
  auto fraction = parse_reconnect_spec("backoff:base=500ms,cap=8s,jitter=0.2", error);
  ASSERT_TRUE(fraction) << error;
  EXPECT_EQ(std::get<ExponentialBackoff>(*fraction).jitter, 0.2);
  EXPECT_EQ(to_string(*fraction), "backoff:base=500ms,cap=8s,jitter=0.2");
  auto defaults = parse_reconnect_spec("backoff", error);
  ASSERT_TRUE(defaults) << error;
  EXPECT_EQ(std::get<ExponentialBackoff>(*defaults).cap, 10s);
}

struct BadSpec {
  std::string text;
  std::string error;
};

class BadReconnectSpec : public ::testing::TestWithParam<BadSpec> {};

TEST_P(BadReconnectSpec, IsRejectedWithItsReason) {
  std::string error;
  EXPECT_FALSE(parse_reconnect_spec(GetParam().text, error));
  EXPECT_EQ(error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadReconnectSpec,
    ::testing::Values(
        BadSpec{"linear:1s", "reconnect: 'linear:1s' is neither fixed:<delay> nor backoff:base=<d>,cap=<d>"},
        BadSpec{"fixed:soon", "reconnect fixed: 'soon' is not a duration (expected e.g. fixed:1500ms)"},
        BadSpec{"backoff:base=1s,cap=10ms", "reconnect backoff: cap (10ms) is smaller than base (1s)"},
        BadSpec{"backoff:base=0ms", "reconnect backoff base must be greater than zero"},
        BadSpec{"backoff:step=1s", "reconnect backoff: unknown key 'step' (expected base, cap or jitter)"},
        BadSpec{"backoff:base", "reconnect backoff: expected key=duration, got 'base'"},
        BadSpec{"backoff:jitter=1.5",
                "reconnect backoff jitter: '1.5' is not a fraction from 0 to 1 (e.g. jitter=0.2)"},
        BadSpec{"backoff:jitter=lots",
                "reconnect backoff jitter: 'lots' is not a fraction from 0 to 1 (e.g. jitter=0.2)"}));

}  // namespace
}  // namespace wsfo::clients
