// The sweep's search and what it reads from a trial, without processes: a
// trial is a function of the population here.
#include <gtest/gtest.h>

#include "simulator/sweep/bisection.hpp"
#include "simulator/sweep/capacity_peaks.hpp"
#include "simulator/sweep/sweep_report.hpp"

namespace sweep_bisection_test {

using namespace wsfo::sweep;

// Passes up to `limit`; `error_at` cannot be judged.
std::function<Trial(std::uint64_t)> knee_at(std::uint64_t limit, std::uint64_t error_at = 0) {
  return [=](std::uint64_t population) {
    Trial trial;
    trial.population = population;
    trial.verdict = population == error_at ? TrialVerdict::error
                    : population <= limit  ? TrialVerdict::pass
                                           : TrialVerdict::fail;
    if (trial.verdict == TrialVerdict::error) trial.error = "exit code 2";
    trial.busiest = Resource{"gateway-cpu", "gw-" + std::to_string(population), population / 10000.0};
    return trial;
  };
}

std::vector<std::uint64_t> populations(const SweepSearch& search) {
  std::vector<std::uint64_t> out;
  for (const auto& t : search.trials) out.push_back(t.population);
  return out;
}

TEST(SweepBisection, TriesToThenFromThenHalvesUntilWithinThePrecision) {
  SweepSearch search = bisect(100, 4000, 39, knee_at(1497));
  EXPECT_EQ(search.outcome, SweepOutcome::knee);
  ASSERT_TRUE(search.passing && search.failing);
  EXPECT_LE(*search.passing, 1497u);
  EXPECT_GT(*search.failing, 1497u);
  EXPECT_LE(*search.failing - *search.passing, 39u);
  EXPECT_EQ(populations(search)[0], 4000u);
  EXPECT_EQ(populations(search)[1], 100u);
  EXPECT_EQ(populations(search)[2], 2050u);
  EXPECT_LE(search.trials.size(), 2u + 7u);  // log2(3900 / 39) rounds up to 7
}

TEST(SweepBisection, PrecisionOneFindsTheExactKnee) {
  SweepSearch search = bisect(1, 1000, 1, knee_at(613));
  EXPECT_EQ(search.passing, 613u);
  EXPECT_EQ(search.failing, 614u);
}

TEST(SweepBisection, HoldsAtToAndFailsAtFromEndAtOnce) {
  SweepSearch holds = bisect(10, 200, 1, knee_at(500));
  EXPECT_EQ(holds.outcome, SweepOutcome::holds_at_to);
  EXPECT_EQ(populations(holds), std::vector<std::uint64_t>{200});
  SweepSearch fails = bisect(10, 200, 1, knee_at(5));
  EXPECT_EQ(fails.outcome, SweepOutcome::fails_at_from);
  EXPECT_EQ(populations(fails), (std::vector<std::uint64_t>{200, 10}));
  EXPECT_EQ(fails.failing, 10u);
  SweepSearch single = bisect(50, 50, 1, knee_at(5));
  EXPECT_EQ(single.outcome, SweepOutcome::fails_at_from);
  EXPECT_EQ(populations(single), std::vector<std::uint64_t>{50});
}

TEST(SweepBisection, ATrialThatCannotBeJudgedStopsTheSearch) {
  SweepSearch search = bisect(100, 4000, 39, knee_at(1497, 2050));
  EXPECT_EQ(search.outcome, SweepOutcome::trial_error);
  EXPECT_EQ(populations(search), (std::vector<std::uint64_t>{4000, 100, 2050}));
  EXPECT_EQ(search.trials.back().error, "exit code 2");
}

TEST(SweepBisection, PrecisionIsClientsOrAPercentageOfTheRange) {
  EXPECT_EQ(parse_precision("", 100, 4000), 39u);
  EXPECT_EQ(parse_precision("", 1, 50), 1u);  // at least 1 client
  EXPECT_EQ(parse_precision("250", 100, 4000), 250u);
  EXPECT_EQ(parse_precision("5%", 100, 4000), 195u);
  EXPECT_EQ(parse_precision("0.5%", 100, 4000), 19u);
  for (const char* bad : {"0", "-1", "x", "5%%", "%", "1.5", "101%", "0%"})
    EXPECT_FALSE(parse_precision(bad, 100, 4000)) << bad;
}

TEST(SweepBisection, TheLimitingResourceIsTheHighestPeakOfAnyKind) {
  auto capacity = wsfo::json::Json::parse(R"({
    "nodes": [{"node": "gw1", "peak_cpu": 0.4}, {"node": "gw2", "peak_cpu": 0.7}],
    "backends": [{"name": "app1", "peak_cpu": 0.9}],
    "links": [{"name": "center-unbj", "peak_utilisation": 0.8}]})");
  CapacityPeaks peaks = capacity_peaks(capacity);
  ASSERT_TRUE(peaks.busiest_node && peaks.busiest);
  EXPECT_EQ(peaks.busiest_node->name, "gw2");
  EXPECT_EQ(peaks.busiest->kind, "backend-cpu");
  EXPECT_EQ(peaks.busiest->name, "app1");
  capacity["links"][0]["peak_utilisation"] = 1.0;
  EXPECT_EQ(capacity_peaks(capacity).busiest->kind, "link");
  // Today's capacity.json: nodes only.
  CapacityPeaks nodes_only =
      capacity_peaks(wsfo::json::Json::parse(R"({"nodes": [{"node": "gw1", "peak_cpu": 0.4}]})"));
  EXPECT_EQ(nodes_only.busiest->name, "gw1");
  EXPECT_FALSE(capacity_peaks(nullptr).busiest);
}

TEST(SweepBisection, LimitingResourceComesFromTheSmallestFailingTrial) {
  SweepSearch search = bisect(1, 1000, 1, knee_at(613));
  auto limiting = limiting_resource(search);
  ASSERT_TRUE(limiting);
  EXPECT_EQ(limiting->trial, 614u);
  EXPECT_EQ(limiting->resource.name, "gw-614");
  EXPECT_TRUE(limiting->from_failing);
  auto holds = limiting_resource(bisect(10, 200, 1, knee_at(500)));
  ASSERT_TRUE(holds);
  EXPECT_EQ(holds->trial, 200u);
  EXPECT_FALSE(holds->from_failing);
}

TEST(SweepBisection, FailedExpectationsAreNamedWithTheirEvent) {
  auto report = wsfo::json::Json::parse(R"({"expectations": [
    {"event": 0, "check": "disconnected", "status": "pass"},
    {"event": 0, "check": "reconnect-within", "status": "fail"},
    {"event": 2, "check": "land-in", "status": "unknown"}]})");
  EXPECT_EQ(failed_expectations(report), (std::vector<std::string>{"#0 reconnect-within", "#2 land-in"}));
}

}  // namespace sweep_bisection_test
