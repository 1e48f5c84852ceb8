// The VRRP timer formulas, checked to the nanosecond (DESIGN.md §1).
#include "core/vrrp/vrrp_timing.hpp"

#include <gtest/gtest.h>

namespace wsfo::vrrp {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(VrrpTiming, RfcMasterDownIntervalForPriority50IsExactly3_8046875s) {
  EXPECT_EQ(skew_time(Variant::rfc5798, 50, seconds(1)), nanoseconds(804'687'500));
  EXPECT_EQ(master_down_interval(Variant::rfc5798, 50, seconds(1)), nanoseconds(3'804'687'500));
  // The rounded figure.
  EXPECT_NEAR(std::chrono::duration<double>(master_down_interval(Variant::rfc5798, 50, seconds(1))).count(), 3.8047,
              5e-5);
}

TEST(VrrpTiming, RfcSkewScalesWithTheInterval) {
  EXPECT_EQ(skew_time(Variant::rfc5798, 100, seconds(1)), nanoseconds(609'375'000));
  EXPECT_EQ(skew_time(Variant::rfc5798, 100, seconds(2)), nanoseconds(1'218'750'000));
  EXPECT_EQ(skew_time(Variant::rfc5798, 50, milliseconds(500)), nanoseconds(402'343'750));
  EXPECT_EQ(master_down_interval(Variant::rfc5798, 100, seconds(2)), nanoseconds(7'218'750'000));
  EXPECT_EQ(skew_time(Variant::rfc5798, 255, seconds(1)), nanoseconds(3'906'250));  // 1/256 s
  EXPECT_EQ(skew_time(Variant::rfc5798, 0, seconds(1)), seconds(1));
}

TEST(VrrpTiming, KeepalivedV2SkewIgnoresTheInterval) {
  EXPECT_EQ(skew_time(Variant::keepalived_v2, 50, seconds(1)), nanoseconds(804'687'500));
  EXPECT_EQ(skew_time(Variant::keepalived_v2, 50, seconds(3)), nanoseconds(804'687'500));
  EXPECT_EQ(master_down_interval(Variant::keepalived_v2, 50, seconds(3)), nanoseconds(9'804'687'500));
  EXPECT_EQ(master_down_interval(Variant::keepalived_v2, 100, seconds(1)), nanoseconds(3'609'375'000));
}

TEST(VrrpTiming, VariantsAgreeAtOneSecond) {
  for (int priority = 1; priority <= 255; ++priority) {
    EXPECT_EQ(master_down_interval(Variant::rfc5798, priority, seconds(1)),
              master_down_interval(Variant::keepalived_v2, priority, seconds(1)))
        << priority;
  }
}

TEST(VrrpTiming, HigherPriorityMeansShorterSkew) {
  for (int priority = 1; priority < 255; ++priority) {
    EXPECT_GT(skew_time(Variant::rfc5798, priority, seconds(1)), skew_time(Variant::rfc5798, priority + 1, seconds(1)));
  }
}

}  // namespace
}  // namespace wsfo::vrrp
