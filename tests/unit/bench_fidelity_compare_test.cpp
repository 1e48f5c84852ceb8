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

TEST(FidelityCompare, TimeToBackIsOpenAboveWhenALiveRunWasNotBackInItsWindow) {
  auto back = [](std::optional<double> v) {
    RunSample s;
    if (v) s.figures["back_99_s"] = *v;
    return s;
  };
  std::vector<RunSample> mixed{back(2), back(3), back({})};
  EXPECT_TRUE(compare_point("p", {"back_99_s"}, mixed, back({})).figures[0].within);  // neither back
  EXPECT_TRUE(compare_point("p", {"back_99_s"}, mixed, back(50)).figures[0].within);  // later than 3 s is fine
  auto early = compare_point("p", {"back_99_s"}, mixed, back(1.7));                    // below 0.9 x 2
  EXPECT_FALSE(early.figures[0].within);
  EXPECT_EQ(early.misses()[0],
            "back_99_s: simulated 1.7 below 1.8, while 1 of 3 live runs were not back within the window");
  std::vector<RunSample> never{back({}), back({})};
  EXPECT_TRUE(compare_point("p", {"back_99_s"}, never, back({})).figures[0].within);
  auto came_back = compare_point("p", {"back_99_s"}, never, back(9));
  EXPECT_FALSE(came_back.figures[0].within);
  EXPECT_EQ(came_back.misses()[0], "back_99_s: simulated 9, while no live run was back within the window");
  std::vector<RunSample> all_back{back(2), back(3)};
  auto not_back = compare_point("p", {"back_99_s"}, all_back, back({}));
  EXPECT_FALSE(not_back.figures[0].within);
  EXPECT_EQ(not_back.misses()[0], "back_99_s: the simulated run does not report it");
  // Other figures stay strict: a live run that lacks one is not comparable.
  std::vector<RunSample> partial{sample(10), RunSample{}};
  EXPECT_FALSE(compare_point("p", {"f"}, partial, RunSample{}).figures[0].within);
}

}  // namespace fidelity_compare_test
}  // namespace wsfo::bench
