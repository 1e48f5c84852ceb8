#pragma once
// The benches' comparison tables, as their smoke tests read them.
#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace wsfo::test_support {

// "<metric> ... <wsfo> <nginx> <unit> <ratio> <low>-<high>" with positive
// figures, `units` a regex alternative of the row's units; with one round
// the range is that round's ratio.
inline void expect_ratio_row(const std::string& out, const std::string& metric, const std::string& units) {
  std::regex row(metric + R"([^\n]*?\s+([0-9.]+)\s+([0-9.]+)\s+()" + units +
                 R"()\s+([0-9.]+)\s+([0-9.]+)-([0-9.]+)\s)");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(out, match, row)) << metric << " missing in:\n" << out;
  EXPECT_GT(std::stod(match[1]), 0.0) << metric << ": no wsfo figure";
  EXPECT_GT(std::stod(match[2]), 0.0) << metric << ": no nginx figure";
  EXPECT_EQ(match[4], match[5]) << metric << ": one round, yet the range is not its ratio";
  EXPECT_EQ(match[5], match[6]) << metric;
}

}  // namespace wsfo::test_support
