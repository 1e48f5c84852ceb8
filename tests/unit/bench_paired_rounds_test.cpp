// The summary `wsfo bench gateway` judges its targets on.
#include <gtest/gtest.h>

#include "simulator/bench/paired_rounds.hpp"

namespace {

using wsfo::bench::median;
using wsfo::bench::summarize_pairs;

TEST(BenchPairedRounds, MedianOfOddAndEvenCounts) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(median({7}), 7);
  EXPECT_DOUBLE_EQ(median({}), 0);
}

TEST(BenchPairedRounds, RatiosArePairedRoundByRound) {
  // Both peers slow down in round 2; per round, a is 10% ahead each time.
  auto s = summarize_pairs({110, 55, 99}, {100, 50, 90});
  EXPECT_DOUBLE_EQ(s.median_a, 99);
  EXPECT_DOUBLE_EQ(s.median_b, 90);
  EXPECT_NEAR(s.ratio, 1.1, 1e-12);
  EXPECT_NEAR(s.ratio_low, 1.1, 1e-12);
  EXPECT_NEAR(s.ratio_high, 1.1, 1e-12);
  EXPECT_EQ(s.ratios, 3u);
}

TEST(BenchPairedRounds, OneOddRoundMovesTheRangeNotTheMedian) {
  auto s = summarize_pairs({100, 100, 200, 100, 100}, {100, 100, 100, 100, 50});
  EXPECT_DOUBLE_EQ(s.ratio, 1.0);
  EXPECT_DOUBLE_EQ(s.ratio_low, 1.0);
  EXPECT_DOUBLE_EQ(s.ratio_high, 2.0);
}

TEST(BenchPairedRounds, RoundsWithoutAPeerFigureGiveNoRatio) {
  auto s = summarize_pairs({100, 80, 60}, {0, 40});  // the third round has no pair, the first no b
  EXPECT_EQ(s.ratios, 1u);
  EXPECT_DOUBLE_EQ(s.ratio, 2.0);
  EXPECT_DOUBLE_EQ(s.median_a, 90);  // over the paired rounds only
  auto none = summarize_pairs({1, 2}, {0, 0});
  EXPECT_EQ(none.ratios, 0u);
  EXPECT_DOUBLE_EQ(none.ratio, 0);
}

}  // namespace
