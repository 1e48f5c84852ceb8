#include "core/routing/rule_set.hpp"

#include <gtest/gtest.h>

#include "core/routing/rule_diff.hpp"
#include "core/routing/rules_json.hpp"

namespace wsfo::routing {
namespace {

const std::vector<std::string> kUnits = {"center", "unbj"};

RuleSet seed_rules(std::uint64_t version, std::int64_t center_last) {
  auto built = RuleSet::build(version, {{0, center_last, "center"}, {center_last + 1, 9999, "unbj"}}, kUnits);
  EXPECT_TRUE(built.errors.empty());
  return *built.rules;
}

TEST(RuleSet, LooksUpTheUnitOfEverySlot) {
  RuleSet rules = seed_rules(1, 5997);
  EXPECT_EQ(rules.unit_of_slot(0), "center");
  EXPECT_EQ(rules.unit_of_slot(5997), "center");
  EXPECT_EQ(rules.unit_of_slot(5998), "unbj");
  EXPECT_EQ(rules.unit_of_slot(9999), "unbj");
  EXPECT_EQ(rules.unit_of(1111), "center");
  EXPECT_EQ(rules.unit_of(6249), "unbj");
  EXPECT_EQ(rules.unit_of(18330), "unbj");
  EXPECT_EQ(rules.version(), 1u);
}

TEST(RuleSet, SortsRangesAndRendersText) {
  auto built = RuleSet::build(3, {{5000, 9999, "unbj"}, {0, 4999, "center"}}, kUnits);
  ASSERT_TRUE(built.rules);
  EXPECT_EQ(built.rules->text(), "[0, 4999] -> center\n[5000, 9999] -> unbj\n");
}

struct BadRules {
  std::string name;
  std::vector<SlotRange> ranges;
  std::vector<std::string> errors;
};

class InvalidRuleSet : public ::testing::TestWithParam<BadRules> {};

TEST_P(InvalidRuleSet, NamesTheOffendingRanges) {
  auto built = RuleSet::build(1, GetParam().ranges, kUnits);
  EXPECT_FALSE(built.rules.has_value());
  std::vector<std::string> messages;
  for (const auto& e : built.errors) messages.push_back(e.message);
  EXPECT_EQ(messages, GetParam().errors);
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidRuleSet,
    ::testing::Values(
        BadRules{"Overlap",
                 {{0, 6000, "center"}, {5998, 9999, "unbj"}},
                 {"ranges [0, 6000] -> center and [5998, 9999] -> unbj overlap on slots 5998-6000"}},
        BadRules{"Gap", {{0, 5000, "center"}, {5998, 9999, "unbj"}}, {"slots 5001-5997 are not covered by any range"}},
        BadRules{"GapAtEnd", {{0, 9998, "center"}}, {"slot 9999 is not covered by any range"}},
        BadRules{"GapAtStart", {{1, 9999, "center"}}, {"slot 0 is not covered by any range"}},
        BadRules{"UnknownUnit",
                 {{0, 5997, "center"}, {5998, 9999, "shanghai"}},
                 {"range [5998, 9999] -> shanghai names unknown unit 'shanghai'"}},
        BadRules{"BeyondModulus",
                 {{0, 5997, "center"}, {5998, 10000, "unbj"}},
                 {"range [5998, 10000] -> unbj is out of bounds: slots are 0-9999"}},
        BadRules{"Negative",
                 {{-1, 5997, "center"}, {5998, 9999, "unbj"}},
                 {"range [-1, 5997] -> center is out of bounds: slots are 0-9999"}},
        BadRules{"Reversed",
                 {{5997, 0, "center"}, {5998, 9999, "unbj"}},
                 {"range [5997, 0] -> center is empty: first is greater than last",
                  "slots 0-5997 are not covered by any range"}},
        BadRules{"NoUnit", {{0, 9999, ""}}, {"range [0, 9999] ->  has no unit"}},
        BadRules{"Duplicate",
                 {{0, 9999, "center"}, {0, 9999, "unbj"}},
                 {"ranges [0, 9999] -> center and [0, 9999] -> unbj overlap on slots 0-9999"}},
        BadRules{"Empty", {}, {"no ranges: every slot 0-9999 needs a unit"}}),
    [](const auto& info) { return info.param.name; });

TEST(RuleSet, RejectsAnImpossibleModulus) {
  auto built = RuleSet::build(1, {{0, 9, "center"}}, kUnits, 0);
  ASSERT_EQ(built.errors.size(), 1u);
  EXPECT_EQ(built.errors[0].message, "modulus 0 is out of bounds: expected 1-1000000");
}

TEST(RuleSet, OverlapErrorCarriesBothRangeIndexes) {
  auto built = RuleSet::build(1, {{0, 6000, "center"}, {5998, 9999, "unbj"}}, kUnits);
  ASSERT_EQ(built.errors.size(), 1u);
  EXPECT_EQ(built.errors[0].ranges, (std::vector<std::size_t>{0, 1}));
}

TEST(RuleDiff, SeedCutoverMovesSlots5998To6380FromUnbjToCenter) {
  RuleDiff diff(seed_rules(1, 5997), seed_rules(2, 6380));
  ASSERT_EQ(diff.moved().size(), 1u);
  EXPECT_EQ(diff.moved()[0], (MovedRange{5998, 6380, "unbj", "center"}));
  EXPECT_EQ(describe(diff.moved()[0]), "unbj \u2192 center [5998, 6380]");
  EXPECT_EQ(diff.moved_slot_count(), 383u);
  EXPECT_EQ(diff.text_diff(),
            "- [0, 5997] -> center\n- [5998, 9999] -> unbj\n+ [0, 6380] -> center\n+ [6381, 9999] -> unbj\n");
}

TEST(RuleDiff, SplitsByDirectionAndCountsAffectedClients) {
  auto before = *RuleSet::build(1, {{0, 4999, "center"}, {5000, 9999, "unbj"}}, kUnits).rules;
  auto after = *RuleSet::build(2, {{0, 99, "unbj"}, {100, 5099, "center"}, {5100, 9999, "unbj"}}, kUnits).rules;
  RuleDiff diff(before, after);
  ASSERT_EQ(diff.moved().size(), 2u);
  EXPECT_EQ(diff.moved()[0], (MovedRange{0, 99, "center", "unbj"}));
  EXPECT_EQ(diff.moved()[1], (MovedRange{5000, 5099, "unbj", "center"}));
  const std::uint64_t ids[] = {5, 10099, 99, 100, 5000, 15099, 5100, 7777};
  EXPECT_EQ(diff.count_affected(ids), (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(diff.moved_index_of_slot(100), -1);
  EXPECT_EQ(diff.moved_index_of_slot(5050), 1);
}

TEST(RuleDiff, IdenticalRulesMoveNothing) {
  RuleDiff diff(seed_rules(1, 5997), seed_rules(2, 5997));
  EXPECT_TRUE(diff.empty());
  EXPECT_EQ(diff.moved_slot_count(), 0u);
}

TEST(RulesJson, ProblemsNameJsonPointers) {
  auto document = json::Json::parse(R"({"version": 1, "ranges": [
      {"from": 0, "to": 6000, "unit": "center"}, {"from": 5998, "to": 9999, "unit": "unbj"}]})");
  json::Problems problems;
  EXPECT_FALSE(read_rules(document, "/rules", problems, kUnits));
  ASSERT_EQ(problems.list().size(), 1u);
  EXPECT_EQ(json::format(problems.list()[0]),
            "/rules/ranges/1: ranges [0, 6000] -> center and [5998, 9999] -> unbj overlap on slots 5998-6000 "
            "(see also /rules/ranges/0)");
}

struct BadRulesJson {
  std::string name;
  std::string text;
  std::string problem;
};

class InvalidRulesJson : public ::testing::TestWithParam<BadRulesJson> {};

TEST_P(InvalidRulesJson, ReportsPointerAndExpectation) {
  json::Problems problems;
  auto document = json::parse(GetParam().text, problems);
  if (document) {
    EXPECT_FALSE(read_rules(*document, "", problems, kUnits));
  }
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(json::format(problems.list()[0]), GetParam().problem);
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidRulesJson,
    ::testing::Values(
        BadRulesJson{"MissingVersion", R"({"ranges": []})", "/version: missing required key, expected an integer"},
        BadRulesJson{"NegativeVersion", R"({"version": -1, "ranges": []})",
                     "/version: expected an integer in [0, 9223372036854775807], got -1"},
        BadRulesJson{"StringBound", R"({"version": 1, "ranges": [{"from": "0", "to": 9999, "unit": "center"}]})",
                     "/ranges/0/from: expected an integer in [-2147483647, 2147483647], got a string"},
        BadRulesJson{"UnknownKey",
                     R"({"version": 1, "ranges": [{"from": 0, "to": 9999, "unit": "center", "weight": 1}]})",
                     "/ranges/0/weight: unknown key 'weight'"},
        BadRulesJson{"RangesNotArray", R"({"version": 1, "ranges": {}})", "/ranges: expected an array, got an object"},
        BadRulesJson{"NotJson", R"({"version": 1,)",
                     "(root): invalid JSON at byte 15: [json.exception.parse_error.101] parse error at line 1, "
                     "column 15: syntax error while parsing object key - unexpected end of input; expected string "
                     "literal"},
        BadRulesJson{"UnknownUnitPointer", R"({"version": 1, "ranges": [{"from": 0, "to": 9999, "unit": "mars"}]})",
                     "/ranges/0: range [0, 9999] -> mars names unknown unit 'mars'"}),
    [](const auto& info) { return info.param.name; });

TEST(RulesJson, RoundTrips) {
  RuleSet rules = seed_rules(7, 5997);
  json::Problems problems;
  auto again = read_rules(to_json(rules), "", problems, kUnits);
  ASSERT_TRUE(again) << json::format(problems.list().at(0));
  EXPECT_EQ(again->version(), 7u);
  EXPECT_EQ(again->ranges(), rules.ranges());
}

}  // namespace
}  // namespace wsfo::routing
