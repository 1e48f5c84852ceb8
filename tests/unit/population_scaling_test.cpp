// A scenario scaled for `wsfo simulate --sweep`: group counts, the expectations
// that count clients, and the refusals.
#include "core/scenario/population_scaling.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/scenario/scenario_loader.hpp"

namespace population_scaling_test {

using namespace wsfo;
using namespace wsfo::scenario;

struct Loaded {
  json::Json document;
  Scenario scenario;
};

Loaded load(const std::string& name) {
  std::ifstream in(std::string(WSFO_SOURCE_DIR) + "/scenarios/" + name);
  std::stringstream text;
  text << in.rdbuf();
  json::Problems problems;
  auto document = json::parse(text.str(), problems);
  EXPECT_TRUE(document) << name;
  auto scenario = read_scenario(*document, problems);
  EXPECT_TRUE(problems.empty()) << name;
  return {*document, *scenario};
}

PopulationSweep checked(const Scenario& scenario, std::vector<SweepRange> ranges) {
  auto result = check_sweep(scenario, ranges);
  EXPECT_TRUE(result.sweep) << result.error;
  return result.sweep.value_or(PopulationSweep{});
}

const ClientGroup& group(const ScaledScenario& scaled, const std::string& name) {
  return *scaled.scenario->find_group(name);
}

TEST(PopulationScaling, ParsesARange) {
  auto parsed = parse_sweep_range("fleet=1000..200000");
  ASSERT_TRUE(parsed.range) << parsed.error;
  EXPECT_EQ(parsed.range->group, "fleet");
  EXPECT_EQ(parsed.range->from, 1000u);
  EXPECT_EQ(parsed.range->to, 200000u);
  auto equal = parse_sweep_range("a=5..5");
  ASSERT_TRUE(equal.range);
  EXPECT_EQ(equal.range->to, 5u);
}

TEST(PopulationScaling, RefusesMalformedRanges) {
  for (const char* text : {"fleet", "=1..2", "fleet=1-2", "fleet=..2", "fleet=1..", "fleet=x..2", "fleet=1..2e3",
                           "fleet=-1..2", "fleet=1..99999999999999999999"}) {
    auto parsed = parse_sweep_range(text);
    EXPECT_FALSE(parsed.range) << text;
    EXPECT_NE(parsed.error.find("expected GROUP=FROM..TO"), std::string::npos) << parsed.error;
    EXPECT_EQ(parsed.error.find('\n'), std::string::npos);
  }
  auto zero = parse_sweep_range("fleet=0..10");
  EXPECT_FALSE(zero.range);
  EXPECT_EQ(zero.error, "'fleet=0..10': FROM must be at least 1 client");
  auto reversed = parse_sweep_range("fleet=10..5");
  EXPECT_FALSE(reversed.range);
  EXPECT_EQ(reversed.error, "'fleet=10..5': FROM (10) is above TO (5)");
}

TEST(PopulationScaling, RangeKeepsItsStartAndTakesTheNewCount) {
  Loaded node_kill = load("regression/node-kill.json");  // fleet: 5950..6449, probes: [1111, 8330]
  PopulationSweep sweep = checked(node_kill.scenario, {{"fleet", 100, 2000}});
  EXPECT_EQ(sweep.from(), 100u);
  EXPECT_EQ(sweep.to(), 2000u);
  auto scaled = scale_scenario(node_kill.document, node_kill.scenario, sweep, 1500);
  ASSERT_TRUE(scaled.scenario) << scaled.error;
  const auto& ids = std::get<RouterIdRange>(group(scaled, "fleet").router_ids);
  EXPECT_EQ(ids.from, 5950u);
  EXPECT_EQ(ids.to, 5950u + 1500 - 1);
  EXPECT_EQ(count_of(group(scaled, "probes").router_ids), 2u);  // not swept: as written
  EXPECT_EQ(scaled.scenario->client_count(), 1502u);
}

TEST(PopulationScaling, ExactSetsAndTimesStayAsWritten) {
  Loaded node_kill = load("regression/node-kill.json");
  auto scaled =
      scale_scenario(node_kill.document, node_kill.scenario, checked(node_kill.scenario, {{"fleet", 100, 2000}}), 2000);
  ASSERT_TRUE(scaled.scenario) << scaled.error;
  const Expectation& kill = scaled.scenario->timeline[0].expect;
  ASSERT_TRUE(std::holds_alternative<DisconnectSlots>(*kill.disconnected));
  EXPECT_EQ(std::get<DisconnectSlots>(*kill.disconnected).spans, (std::vector<SlotSpan>{{5998, 9999}}));
  EXPECT_EQ(kill.reconnect_within, node_kill.scenario.timeline[0].expect.reconnect_within);
}

TEST(PopulationScaling, CountExpectationsScaleWithTheTotal) {
  Loaded storm = load("capacity/storm-100k-fixed.json");  // fleet 0..99999; kill expects 20000..40000 lost
  auto sweep = checked(storm.scenario, {{"fleet", 1000, 300000}});
  auto at = [&](std::uint64_t population) {
    auto scaled = scale_scenario(storm.document, storm.scenario, sweep, population);
    EXPECT_TRUE(scaled.scenario) << scaled.error;
    return std::get<DisconnectCount>(*scaled.scenario->timeline[0].expect.disconnected);
  };
  EXPECT_EQ(at(200000).min, 40000u);
  EXPECT_EQ(at(200000).max, 80000u);
  // A third of a bound: the min rounds down, the max up, so neither gets stricter.
  EXPECT_EQ(at(33333).min, 6666u);
  EXPECT_EQ(at(33333).max, 13334u);
  EXPECT_EQ(at(30000).max, 12000u);  // exact: not rounded up
}

TEST(PopulationScaling, MessagesLostScaleAndAbsentBoundsStayAbsent) {
  Loaded storm = load("capacity/storm-100k-fixed.json");
  json::Json& expect = storm.document["timeline"][0]["expect"];
  expect["messages_lost_max"] = 10;
  expect["disconnected"]["count"].erase("max");
  json::Problems problems;
  Scenario scenario = *read_scenario(storm.document, problems);
  auto scaled = scale_scenario(storm.document, scenario, checked(scenario, {{"fleet", 1000, 300000}}), 250000);
  ASSERT_TRUE(scaled.scenario) << scaled.error;
  EXPECT_EQ(scaled.scenario->timeline[0].expect.messages_lost_max, 25u);
  EXPECT_FALSE(scaled.document["timeline"][0]["expect"]["disconnected"]["count"].contains("max"));
  EXPECT_EQ(scaled.document["timeline"][0]["expect"]["disconnected"]["count"]["min"], 50000);
}

TEST(PopulationScaling, RandomKeepsSeedAndRangeAndRefusesWhatDoesNotFit) {
  Loaded storm = load("capacity/storm-100k-fixed.json");
  storm.document["clients"][0]["router_ids"] = {{"random", {{"count", 500}, {"seed", 7}, {"from", 0}, {"to", 999}}}};
  json::Problems problems;
  Scenario scenario = *read_scenario(storm.document, problems);
  auto scaled = scale_scenario(storm.document, scenario, checked(scenario, {{"fleet", 10, 1000}}), 800);
  ASSERT_TRUE(scaled.scenario) << scaled.error;
  const auto& random = std::get<RouterIdRandom>(group(scaled, "fleet").router_ids);
  EXPECT_EQ(random.count, 800u);
  EXPECT_EQ(random.seed, 7u);
  EXPECT_EQ(random.from, 0u);
  EXPECT_EQ(random.to, 999u);
  auto refused = check_sweep(scenario, {{"fleet", 10, 1001}});
  EXPECT_FALSE(refused.sweep);
  EXPECT_EQ(refused.error,
            "group 'fleet': 1001 distinct random routerIds do not fit in [0, 999], which holds 1000 values");
}

TEST(PopulationScaling, AListShrinksToAPrefixAndRefusesToGrow) {
  Loaded node_kill = load("regression/node-kill.json");
  auto scaled =
      scale_scenario(node_kill.document, node_kill.scenario, checked(node_kill.scenario, {{"probes", 1, 2}}), 1);
  ASSERT_TRUE(scaled.scenario) << scaled.error;
  EXPECT_EQ(std::get<RouterIdList>(group(scaled, "probes").router_ids).ids, std::vector<std::uint64_t>{1111});
  auto refused = check_sweep(node_kill.scenario, {{"probes", 1, 5}});
  EXPECT_FALSE(refused.sweep);
  EXPECT_EQ(refused.error,
            "group 'probes' lists 2 routerIds: a sweep can shrink a list to its first ids but not grow it to 5 (write "
            "a range or random routerIds to sweep beyond it)");
}

TEST(PopulationScaling, RefusesUnknownAndRepeatedGroupsAndRangesPastTheLargestId) {
  Loaded node_kill = load("regression/node-kill.json");
  auto unknown = check_sweep(node_kill.scenario, {{"flet", 1, 5}});
  EXPECT_EQ(unknown.error, "unknown client group 'flet' (the scenario's groups: probes, fleet)");
  auto twice = check_sweep(node_kill.scenario, {{"fleet", 1, 5}, {"fleet", 2, 6}});
  EXPECT_EQ(twice.error, "group 'fleet' is swept twice: give each group one range");
  node_kill.document["clients"][1]["router_ids"] = {{"from", 9223372036854775000ULL}, {"to", 9223372036854775100ULL}};
  json::Problems problems;
  Scenario scenario = *read_scenario(node_kill.document, problems);
  auto past = check_sweep(scenario, {{"fleet", 1, 1000}});
  EXPECT_FALSE(past.sweep);
  EXPECT_NE(past.error.find("beyond the largest routerId 9223372036854775807"), std::string::npos) << past.error;
}

TEST(PopulationScaling, SeveralGroupsMoveTogether) {
  Loaded node_kill = load("regression/node-kill.json");
  node_kill.document["clients"][0]["router_ids"] = {{"from", 20000}, {"to", 20009}};
  json::Problems problems;
  Scenario scenario = *read_scenario(node_kill.document, problems);
  PopulationSweep sweep = checked(scenario, {{"probes", 10, 110}, {"fleet", 100, 500}});
  EXPECT_EQ(sweep.from(), 110u);
  EXPECT_EQ(sweep.to(), 610u);
  EXPECT_EQ(sweep.counts_at(110), (std::vector<std::uint64_t>{10, 100}));
  EXPECT_EQ(sweep.counts_at(610), (std::vector<std::uint64_t>{110, 500}));
  EXPECT_EQ(sweep.counts_at(360), (std::vector<std::uint64_t>{60, 300}));  // x = 0.5 for both
  for (std::uint64_t population = 110; population <= 610; ++population) {
    auto counts = sweep.counts_at(population);
    EXPECT_EQ(counts[0] + counts[1], population);
  }
  auto scaled = scale_scenario(node_kill.document, scenario, sweep, 360);
  ASSERT_TRUE(scaled.scenario) << scaled.error;
  EXPECT_EQ(scaled.scenario->client_count(), 360u);
}

TEST(PopulationScaling, AScaledScenarioThatIsInvalidSaysWhy) {
  Loaded node_kill = load("regression/node-kill.json");
  // More clients than a scenario may hold: the reader's limit, named in one line.
  auto scaled = scale_scenario(node_kill.document, node_kill.scenario,
                               checked(node_kill.scenario, {{"fleet", 1, 20000000}}), 20000000);
  EXPECT_FALSE(scaled.scenario);
  EXPECT_NE(scaled.error.find("the scenario scaled to 20000000 clients is invalid: /clients"), std::string::npos)
      << scaled.error;
  EXPECT_EQ(scaled.error.find('\n'), std::string::npos);
}

}  // namespace population_scaling_test
