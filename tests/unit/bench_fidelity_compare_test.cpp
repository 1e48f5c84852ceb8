#include <gtest/gtest.h>

#include <sstream>

#include "simulator/bench/fidelity_compare.hpp"

namespace wsfo::bench {
namespace fidelity_compare_test {

RunSample sample(double value, bool saturated = false) { return {{{"f", value}}, saturated}; }

TEST(FidelityCompare, WithinIsTenPercentAroundTheLiveRange) {
  std::vector<RunSample> live{sample(10), sample(12), sample(20)};
  auto at = [&](double simulated) { return compare_point("p", {"f"}, live, sample(simulated)).figures[0]; };
  EXPECT_TRUE(at(9).within);  // 0.9 x 10
  EXPECT_FALSE(at(8.9).within);
  EXPECT_TRUE(at(22).within);  // 1.1 x 20
  EXPECT_FALSE(at(22.1).within);
  auto f = at(18);
  EXPECT_EQ(*f.live_min, 10);
  EXPECT_EQ(*f.live_median, 12);
  EXPECT_EQ(*f.live_max, 20);
  EXPECT_DOUBLE_EQ(*f.ratio, 1.5);
}

TEST(FidelityCompare, AFigureMissingOnEitherSideIsAMiss) {
  std::vector<RunSample> live{sample(10), RunSample{}};
  auto p = compare_point("p", {"f"}, live, sample(10));
  EXPECT_FALSE(p.figures[0].within);
  ASSERT_EQ(p.misses().size(), 1u);
  EXPECT_EQ(p.misses()[0], "f: reported by 1 of 2 live runs");
  auto q = compare_point("p", {"f"}, {sample(10)}, RunSample{});
  EXPECT_EQ(q.misses()[0], "f: the simulated run does not report it");
}

TEST(FidelityCompare, SaturatedByStrictMajorityMustMatch) {
  std::vector<RunSample> live{sample(1, true), sample(1, true), sample(1, false), sample(1, false)};
  auto p = compare_point("p", {"f"}, live, sample(1, false));
  EXPECT_FALSE(p.live_saturated);  // 2 of 4 is no majority
  EXPECT_TRUE(p.passed());
  live.push_back(sample(1, true));
  auto q = compare_point("p", {"f"}, live, sample(1, false));
  EXPECT_TRUE(q.live_saturated);
  EXPECT_FALSE(q.passed());
  EXPECT_EQ(q.misses().back(), "saturated: live yes (3 of 5 runs), simulated no");
  std::ostringstream table;
  write_table(table, {q});
  EXPECT_NE(table.str().find("MISMATCH"), std::string::npos) << table.str();
}

}  // namespace fidelity_compare_test
}  // namespace wsfo::bench
