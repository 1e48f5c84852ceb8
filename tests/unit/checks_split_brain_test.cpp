// Split brain judged from hand-written histories: VRRP state events and the
// kills of the timeline, never the bind failures alone.
#include <gtest/gtest.h>

#include "core/checks/split_brain.hpp"
#include "core/history/records.hpp"

namespace wsfo::checks {
namespace {

constexpr std::int64_t s = 1'000'000'000;

history::Event vip(std::int64_t t, const std::string& instance, const std::string& node, const std::string& from,
                   const std::string& to) {
  return history::make_event(
      {t, node, std::nullopt},
      history::VipRecord{instance, node, "127.9.0." + std::to_string(instance.size()), from, to, "test", 100});
}

EventWindow window(std::size_t index, std::int64_t start, std::int64_t end, std::optional<bool> expect = {}) {
  EventWindow w{index, "wait", start, end, {}};
  w.expect.split_brain = expect;
  return w;
}

TEST(SplitBrain, OverlappingMastersAreOneSplitBrainWithItsNodesAndTimes) {
  std::vector<history::Event> h = {vip(1 * s, "vip-a", "n1", "BACKUP", "MASTER"),
                                   vip(4 * s, "vip-a", "n2", "BACKUP", "MASTER"),
                                   vip(7 * s, "vip-a", "n2", "MASTER", "BACKUP")};
  auto found = find_split_brains(h, {}, 20 * s);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].instance, "vip-a");
  EXPECT_EQ(found[0].vip, "127.9.0.5");
  EXPECT_EQ(found[0].nodes, (std::vector<std::string>{"n1", "n2"}));
  EXPECT_EQ(found[0].from_ns, 4 * s);
  EXPECT_EQ(found[0].to_ns, 7 * s);
  EXPECT_FALSE(found[0].until_end);
  EXPECT_EQ(describe(found[0], 2 * s), "vip-a (127.9.0.5): n1 + n2 MASTER from +2.000 s to +5.000 s (3.000 s)");
}

TEST(SplitBrain, TouchingIntervalsDoNotOverlap) {
  // n1 hands over to n2 at the same instant, even when the MASTER event is written first.
  std::vector<history::Event> h = {vip(1 * s, "vip-a", "n1", "BACKUP", "MASTER"),
                                   vip(5 * s, "vip-a", "n2", "BACKUP", "MASTER"),
                                   vip(5 * s, "vip-a", "n1", "MASTER", "BACKUP")};
  EXPECT_TRUE(find_split_brains(h, {}, 20 * s).empty());
  // A nanosecond of overlap is one.
  h[1].t_ns = 5 * s - 1;
  EXPECT_EQ(find_split_brains(h, {}, 20 * s).size(), 1u);
}

TEST(SplitBrain, APreemptionHandoverShorterThanAnAdvertIntervalIsNoSplitBrain) {
  // n1 preempts back at +17.6 s; n2 hears its first advert 0.5 ms later and leaves.
  std::vector<history::Event> h = {vip(3 * s, "vip-a", "n2", "BACKUP", "MASTER"),
                                   vip(17600 * s / 1000, "vip-a", "n1", "BACKUP", "MASTER"),
                                   vip(17600 * s / 1000 + 500'000, "vip-a", "n2", "MASTER", "BACKUP")};
  const std::map<std::string, std::int64_t> advert = {{"vip-a", 1 * s}};
  EXPECT_TRUE(find_split_brains(h, {}, 20 * s, advert).empty());
  EXPECT_EQ(find_split_brains(h, {}, 20 * s).size(), 1u);  // without the interval every overlap counts
  // Two MASTERs for a whole advert interval: an advert went unheard.
  h[2].t_ns = h[1].t_ns + 1 * s;
  EXPECT_EQ(find_split_brains(h, {}, 20 * s, advert).size(), 1u);
  h[2].t_ns -= 1;
  EXPECT_TRUE(find_split_brains(h, {}, 20 * s, advert).empty());
}

TEST(SplitBrain, ANodeKilledWhileMasterStopsBeingMasterAtItsKill) {
  // n1 dies at +10 s writing nothing; n2 takes over at +13 s: no split brain.
  std::vector<history::Event> h = {
      vip(1 * s, "vip-a", "n1", "BACKUP", "MASTER"), vip(1 * s, "vip-b", "n1", "BACKUP", "MASTER"),
      vip(13 * s, "vip-a", "n2", "BACKUP", "MASTER"), vip(13 * s, "vip-b", "n2", "BACKUP", "MASTER")};
  std::vector<EventWindow> windows = {window(0, 10 * s, 20 * s, false)};
  EXPECT_EQ(find_split_brains(h, {}, 20 * s).size(), 2u);  // without the kill both would linger
  windows[0].node_down = "n1";
  EXPECT_TRUE(find_split_brains(h, windows, 20 * s).empty());
  // A node restored after its kill is MASTER again only when it says so.
  h.push_back(vip(16 * s, "vip-a", "n1", "BACKUP", "MASTER"));
  auto found = find_split_brains(h, windows, 20 * s);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].from_ns, 16 * s);
}

TEST(SplitBrain, SeveralVipsAreJudgedApart) {
  // n1 holds vip-a, n2 holds vip-b (dual master, no split brain); then n2 takes vip-a too for 2 s.
  std::vector<history::Event> h = {
      vip(1 * s, "vip-a", "n1", "BACKUP", "MASTER"), vip(1 * s, "vip-b", "n2", "BACKUP", "MASTER"),
      vip(5 * s, "vip-a", "n2", "BACKUP", "MASTER"), vip(7 * s, "vip-a", "n2", "MASTER", "BACKUP"),
      vip(8 * s, "vip-b", "n1", "BACKUP", "FAULT")};
  auto found = find_split_brains(h, {}, 20 * s);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].instance, "vip-a");
  EXPECT_EQ(found[0].to_ns - found[0].from_ns, 2 * s);
}

TEST(SplitBrain, ARunThatEndsWithTwoMastersEndsTheSplitBrainThere) {
  std::vector<history::Event> h = {vip(1 * s, "vip-a", "n1", "BACKUP", "MASTER"),
                                   vip(2 * s, "vip-a", "n2", "BACKUP", "MASTER"),
                                   vip(3 * s, "vip-a", "n3", "BACKUP", "MASTER"),
                                   // after the run's end (agents shutting down): not read
                                   vip(12 * s, "vip-a", "n2", "MASTER", "BACKUP")};
  auto found = find_split_brains(h, {}, 10 * s);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].until_end);
  EXPECT_EQ(found[0].to_ns, 10 * s);
  EXPECT_EQ(found[0].nodes, (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_NE(describe(found[0], 0).find("(the run's end)"), std::string::npos);
}

TEST(SplitBrain, TheExpectationHoldsOnlyInTheWindowsTheSplitBrainOverlaps) {
  std::vector<history::Event> h = {vip(1 * s, "vip-a", "n1", "BACKUP", "MASTER"),
                                   vip(6 * s, "vip-a", "n2", "BACKUP", "MASTER"),
                                   vip(11 * s, "vip-a", "n2", "MASTER", "BACKUP")};
  h.push_back(history::make_event({7 * s, "n2", std::nullopt},
                                  history::VipBindRecord{false, "vip-a", "n2", "127.9.0.5", "address in use", 8020}));
  std::vector<EventWindow> windows = {window(0, 0, 5 * s), window(1, 5 * s, 10 * s), window(2, 10 * s, 15 * s),
                                      window(3, 15 * s, 20 * s)};
  auto found = find_split_brains(h, windows, 20 * s);
  ASSERT_EQ(found.size(), 1u);
  Verdict before = judge_split_brain(false, windows[0], found, h);
  EXPECT_EQ(before.status, Status::pass);
  EXPECT_EQ(before.actual, "no split brain");
  Verdict during = judge_split_brain(true, windows[1], found, h);
  EXPECT_EQ(during.status, Status::pass) << during.actual;
  EXPECT_EQ(during.check, "split-brain");
  EXPECT_EQ(during.event, 1u);
  EXPECT_NE(during.actual.find("n1 + n2 MASTER from +1.000 s to +6.000 s (5.000 s)"), std::string::npos)
      << during.actual;
  EXPECT_NE(during.evidence.find("1 failed VIP bind"), std::string::npos) << during.evidence;
  // It lasts into the next window, so "none there" fails and names it; the window after holds.
  Verdict lingering = judge_split_brain(false, windows[2], found, h);
  EXPECT_EQ(lingering.status, Status::fail);
  EXPECT_NE(lingering.actual.find("n1 + n2"), std::string::npos);
  EXPECT_EQ(judge_split_brain(false, windows[3], found, h).status, Status::pass);
  EXPECT_EQ(judge_split_brain(true, windows[3], found, h).status, Status::fail);
}

TEST(SplitBrain, BindFailuresAloneAreNoSplitBrain) {
  std::vector<history::Event> h = {vip(1 * s, "vip-a", "n1", "BACKUP", "MASTER")};
  h.push_back(history::make_event({2 * s, "n2", std::nullopt},
                                  history::VipBindRecord{false, "vip-a", "n2", "127.9.0.5", "address in use", 8020}));
  std::vector<EventWindow> windows = {window(0, 0, 5 * s)};
  auto found = find_split_brains(h, windows, 5 * s);
  EXPECT_TRUE(found.empty());
  EXPECT_EQ(judge_split_brain(true, windows[0], found, h).status, Status::fail);
}

TEST(SplitBrain, WithoutVrrpEventsTheVerdictIsUnknown) {
  std::vector<history::Event> h;
  std::vector<EventWindow> windows = {window(0, 0, 5 * s)};
  Verdict verdict = judge_split_brain(false, windows[0], {}, h);
  EXPECT_EQ(verdict.status, Status::unknown);
  EXPECT_NE(verdict.evidence.find("no VRRP state events"), std::string::npos);
}

TEST(SplitBrain, AnalyseJudgesTheExpectationOfEachWindow) {
  std::vector<history::Event> h = {vip(1 * s, "vip-a", "n1", "BACKUP", "MASTER"),
                                   vip(6 * s, "vip-a", "n2", "BACKUP", "MASTER")};
  std::vector<EventWindow> windows = {window(0, 0, 5 * s, false), window(1, 5 * s, 10 * s, true)};
  Analysis analysis = analyse(h, windows, {}, 10000);
  ASSERT_EQ(analysis.split_brains.size(), 1u);
  EXPECT_TRUE(analysis.split_brains[0].until_end);
  ASSERT_EQ(analysis.verdicts.size(), 2u);
  EXPECT_TRUE(analysis.passed());
}

}  // namespace
}  // namespace wsfo::checks
