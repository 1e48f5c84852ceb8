// Client groups expand into routerIds deterministically on every platform.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "core/scenario/client_population.hpp"

namespace {

using namespace wsfo::scenario;

TEST(ScenarioPopulation, SplitMix64MatchesTheReferenceSequence) {
  // Reference values of splitmix64 seeded with 0 (Vigna's splitmix64.c).
  SplitMix64 random(0);
  EXPECT_EQ(random.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(random.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(random.next(), 0x06c45d188009454fULL);
}

TEST(ScenarioPopulation, BelowStaysInBounds) {
  SplitMix64 random(7);
  for (int i = 0; i < 10000; ++i) EXPECT_LT(random.below(3), 3u);
}

TEST(ScenarioPopulation, RandomGroupIsDistinctInBoundsAndReproducible) {
  RouterIdSpec spec = RouterIdRandom{500, 42, 1000, 1999};
  auto first = expand_router_ids(spec);
  auto second = expand_router_ids(spec);
  EXPECT_EQ(first, second);
  ASSERT_EQ(first.size(), 500u);
  std::set<std::uint64_t> distinct(first.begin(), first.end());
  EXPECT_EQ(distinct.size(), 500u);
  EXPECT_GE(*distinct.begin(), 1000u);
  EXPECT_LE(*distinct.rbegin(), 1999u);
  EXPECT_NE(expand_router_ids(RouterIdRandom{500, 43, 1000, 1999}), first);
}

TEST(ScenarioPopulation, RandomGroupCanTakeTheWholeSpan) {
  auto ids = expand_router_ids(RouterIdRandom{10, 1, 5, 14});
  std::set<std::uint64_t> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct, (std::set<std::uint64_t>{5, 6, 7, 8, 9, 10, 11, 12, 13, 14}));
}

TEST(ScenarioPopulation, FullRouterIdSpaceDoesNotOverflow) {
  auto ids = expand_router_ids(RouterIdRandom{3, 9, 0, 9223372036854775807ULL});
  ASSERT_EQ(ids.size(), 3u);
  for (auto id : ids) EXPECT_LE(id, 9223372036854775807ULL);
}

TEST(ScenarioPopulation, DenseAndLargeSamplesAreDistinct) {
  auto dense = expand_router_ids(RouterIdRandom{900, 5, 0, 999});
  EXPECT_EQ(std::set<std::uint64_t>(dense.begin(), dense.end()).size(), 900u);
  EXPECT_LE(dense.back(), 999u);
  auto large = expand_router_ids(RouterIdRandom{1'000'000, 3, 0, 9223372036854775807ULL});
  EXPECT_EQ(large.size(), 1'000'000u);
  EXPECT_TRUE(std::adjacent_find(large.begin(), large.end(), std::greater_equal<>()) == large.end())
      << "ascending and distinct";
}

TEST(ScenarioPopulation, RangeAndListExpandInOrder) {
  EXPECT_EQ(expand_router_ids(RouterIdRange{7, 10}), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  EXPECT_EQ(expand_router_ids(RouterIdList{{8330, 1111}}), (std::vector<std::uint64_t>{8330, 1111}));
  EXPECT_EQ(count_of(RouterIdRange{7, 10}), 4u);
}

}  // namespace
