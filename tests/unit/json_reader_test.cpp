// core/json's parse(): every text that is not JSON it can hold becomes a
// problem, never an exception. Found by the rules fuzz target: a number too
// large for a double ("333333E333333333") made nlohmann throw out_of_range,
// which parse() did not catch, so a scenario file, a gateway config or an
// admin API request body holding one ended the process.
#include <gtest/gtest.h>

#include "core/json/json_reader.hpp"
#include "core/scenario/scenario_loader.hpp"

namespace wsfo::json {
namespace {

class UnreadableNumber : public ::testing::TestWithParam<std::string> {};

TEST_P(UnreadableNumber, IsAProblemNotAnException) {
  Problems problems;
  std::optional<Json> document;
  ASSERT_NO_THROW(document = parse(GetParam(), problems));
  EXPECT_FALSE(document);
  ASSERT_EQ(problems.list().size(), 1u);
  EXPECT_EQ(problems.list()[0].pointer, "");
  EXPECT_NE(problems.list()[0].message.find("number overflow"), std::string::npos) << problems.list()[0].message;
}

INSTANTIATE_TEST_SUITE_P(Table, UnreadableNumber,
                         ::testing::Values("333333E333333333", "1e999", "-1e999",
                                           R"({"version": 1, "ranges": [{"from": 0, "to": 1e400, "unit": "c"}]})"));

TEST(JsonParse, ScenarioWithAnOverflowingNumberIsRejectedWithAProblem) {
  scenario::LoadedScenario loaded;
  ASSERT_NO_THROW(loaded = scenario::parse_scenario(R"({"name": "x", "duration": 1e999})"));
  EXPECT_FALSE(loaded.scenario);
  ASSERT_FALSE(loaded.problems.empty());
  EXPECT_FALSE(loaded.unreadable);
}

TEST(JsonParse, SyntaxErrorsStillNameTheirByte) {
  Problems problems;
  EXPECT_FALSE(parse("{\"a\": ]", problems));
  ASSERT_EQ(problems.list().size(), 1u);
  EXPECT_NE(problems.list()[0].message.find("invalid JSON at byte 7"), std::string::npos)
      << problems.list()[0].message;
}

}  // namespace
}  // namespace wsfo::json
