// `wsfo bench takeover`'s figures from recorded events: which MASTER counts,
// which advert is the last one heard, medians, and the 10% verdict.
#include <gtest/gtest.h>

#include "core/vrrp/takeover_timing.hpp"

namespace vrrp_takeover_timing_test {

using namespace wsfo::vrrp;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using wsfo::history::Event;

constexpr std::int64_t kMs = 1'000'000;

Event vip(const std::string& node, const std::string& to, std::int64_t t_ns) {
  Event event;
  event.kind = "vip";
  event.t_ns = t_ns;
  event.source = node;
  event.fields = {{"instance", "vip-1"}, {"node", node}, {"vip", "vip-1"}, {"from", "BACKUP"}, {"to", to}};
  return event;
}

TakeoverSample sample(std::optional<Duration> value) {
  return {TakeoverFigure::graceful_from_fault, value, value ? "" : "no MASTER"};
}

FigureSummary summary_of(std::initializer_list<int> millis) {
  std::vector<TakeoverSample> samples;
  for (int ms : millis) samples.push_back(sample(milliseconds(ms)));
  return summarize(samples);
}

TEST(TakeoverTiming, ExpectationsAreKeepalivedsTimersForPriorities100And50) {
  TakeoverSetup setup;
  EXPECT_EQ(expected_takeover(TakeoverFigure::hard_loss_from_last_advert, setup).value, nanoseconds(3'804'687'500));
  EXPECT_EQ(expected_takeover(TakeoverFigure::graceful_from_fault, setup).value, nanoseconds(804'687'500));
  EXPECT_EQ(expected_takeover(TakeoverFigure::preempt_from_start, setup).value, nanoseconds(3'609'375'000));
  // From the fault: half an interval less than the down interval at the median phase.
  EXPECT_EQ(expected_takeover(TakeoverFigure::hard_loss_from_fault, setup).value, nanoseconds(3'304'687'500));
  EXPECT_NE(expected_takeover(TakeoverFigure::hard_loss_from_fault, setup).formula.find("2.805 s-3.805 s"),
            std::string::npos);
}

TEST(TakeoverTiming, TheBackupsFirstMasterAfterTheFaultCountsNotTheMastersOwnOrAnEarlierOne) {
  TakeoverRecording run;
  run.fault_ns = 10'000 * kMs;
  run.events = {vip("a", "MASTER", 5'000 * kMs),  vip("b", "MASTER", 6'000 * kMs),  // before the fault
                vip("a", "MASTER", 12'000 * kMs), vip("b", "BACKUP", 12'500 * kMs),
                vip("b", "MASTER", 13'300 * kMs), vip("b", "MASTER", 20'000 * kMs)};
  Event other = vip("b", "MASTER", 11'000 * kMs);
  other.kind = "vip-bound";
  run.events.push_back(other);
  EXPECT_EQ(first_master_after(run.events, "b", run.fault_ns), 13'300 * kMs);
  auto graceful = graceful_sample(run, "b");
  ASSERT_TRUE(graceful.value);
  EXPECT_EQ(*graceful.value, milliseconds(3'300));
  EXPECT_FALSE(first_master_after(run.events, "c", 0));
}

TEST(TakeoverTiming, HardLossMeasuresFromTheLastAdvertHeardBeforeTheFault) {
  TakeoverRecording run;
  run.fault_ns = 10'400 * kMs;
  run.adverts_heard_ns = {8'000 * kMs, 10'000 * kMs, 9'000 * kMs};  // not necessarily in order
  run.events = {vip("b", "MASTER", 13'805 * kMs)};
  auto samples = hard_loss_samples(run, "b");
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].figure, TakeoverFigure::hard_loss_from_fault);
  EXPECT_EQ(samples[0].value, milliseconds(3'405));
  EXPECT_EQ(samples[1].figure, TakeoverFigure::hard_loss_from_last_advert);
  EXPECT_EQ(samples[1].value, milliseconds(3'805));
  EXPECT_TRUE(samples[1].problem.empty());
}

TEST(TakeoverTiming, HardLossWithoutAnAdvertOrWithOneAfterTheFaultHasNoAdvertFigure) {
  TakeoverRecording run;
  run.fault_ns = 10'000 * kMs;
  run.events = {vip("b", "MASTER", 13'500 * kMs)};
  auto none = hard_loss_samples(run, "b");
  EXPECT_TRUE(none[0].value);
  EXPECT_FALSE(none[1].value);
  EXPECT_NE(none[1].problem.find("no advert"), std::string::npos) << none[1].problem;

  run.adverts_heard_ns = {9'500 * kMs, 10'200 * kMs};
  auto late = hard_loss_samples(run, "b");
  EXPECT_FALSE(late[1].value);
  EXPECT_NE(late[1].problem.find("after the fault"), std::string::npos) << late[1].problem;
}

TEST(TakeoverTiming, NoMasterGivesNeitherFigureAndSaysWhy) {
  TakeoverRecording run;
  run.fault_ns = 10'000 * kMs;
  run.adverts_heard_ns = {9'500 * kMs};
  run.events = {vip("b", "BACKUP", 11'000 * kMs)};
  auto samples = hard_loss_samples(run, "b");
  EXPECT_FALSE(samples[0].value);
  EXPECT_FALSE(samples[1].value);
  EXPECT_EQ(samples[0].problem, "no MASTER of b after the fault");
  auto preempt = preempt_sample(run, "a");
  EXPECT_EQ(preempt.problem, "no MASTER of a after its start");
}

TEST(TakeoverTiming, SummaryHasMedianMinMaxAndCountsMissingRuns) {
  auto odd = summary_of({3'400, 3'100, 3'700});
  EXPECT_EQ(odd.runs, 3u);
  EXPECT_EQ(odd.median, milliseconds(3'400));
  EXPECT_EQ(odd.min, milliseconds(3'100));
  EXPECT_EQ(odd.max, milliseconds(3'700));

  auto even = summary_of({800, 900, 820, 860});
  EXPECT_EQ(even.median, milliseconds(840));

  auto gaps = summarize({sample(milliseconds(800)), sample(std::nullopt)});
  EXPECT_EQ(gaps.runs, 2u);
  EXPECT_EQ(gaps.missing, 1u);
  EXPECT_EQ(gaps.median, milliseconds(800));

  auto empty = summarize({sample(std::nullopt)});
  EXPECT_FALSE(empty.median);
}

TEST(TakeoverTiming, VerdictPassesWithinTenPercentAndFailsBeyond) {
  auto real = summary_of({3'350});
  auto near = judge(summary_of({3'300}), real);
  ASSERT_TRUE(near.ratio);
  EXPECT_NEAR(*near.ratio, 3'300.0 / 3'350.0, 1e-9);
  EXPECT_TRUE(near.pass);
  EXPECT_TRUE(judge(summary_of({3'684}), real).pass);   // +9.97%
  EXPECT_FALSE(judge(summary_of({3'700}), real).pass);  // +10.4%
  EXPECT_FALSE(judge(summary_of({3'000}), real).pass);  // -10.4%
  EXPECT_TRUE(judge(summary_of({3'000}), real, 0.15).pass);
}

TEST(TakeoverTiming, VerdictFailsWhenARunGaveNoValueEvenIfTheMediansAgree) {
  auto with_gap = summarize({sample(milliseconds(800)), sample(std::nullopt), sample(milliseconds(810))});
  auto verdict = judge(summary_of({805}), with_gap);
  EXPECT_FALSE(verdict.pass);
  EXPECT_EQ(verdict.problem, "1 of 3 real runs gave no value");
  auto nothing = judge(FigureSummary{}, summary_of({805}));
  EXPECT_FALSE(nothing.pass);
  EXPECT_FALSE(nothing.ratio);
  EXPECT_EQ(nothing.problem, "no emulation run");
}

TEST(TakeoverTiming, StratifiedPhasesCoverTheIntervalOncePerRun) {
  auto phases = stratified_phases(5, seconds(1), {0.0, 0.5, 0.99, 2.0});
  ASSERT_EQ(phases.size(), 5u);
  EXPECT_EQ(phases[0], milliseconds(0));
  EXPECT_EQ(phases[1], milliseconds(300));
  EXPECT_EQ(phases[2], milliseconds(598));
  EXPECT_EQ(phases[3], milliseconds(700));  // out of range: the middle of its stratum
  EXPECT_EQ(phases[4], milliseconds(900));  // missing: likewise
  for (std::size_t i = 0; i < phases.size(); ++i) {
    EXPECT_GE(phases[i], milliseconds(200 * static_cast<int>(i)));
    EXPECT_LT(phases[i], milliseconds(200 * static_cast<int>(i + 1)));
  }
}

}  // namespace vrrp_takeover_timing_test
