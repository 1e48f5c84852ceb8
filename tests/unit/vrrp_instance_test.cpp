// The VRRP state machine, table-driven: each case is a config and a sequence
// of (time, event) steps on a manual clock, with the exact actions and state
// expected after each step (RFC 5798 §6.4 plus keepalived's FAULT).
#include "core/vrrp/vrrp_instance.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tests/unit/vrrp_test_support.hpp"

namespace wsfo::vrrp {
namespace {

using testing::brief;
using testing::ip;
using testing::s;
using testing::timer_at;

const std::uint32_t kSelf = ip("10.0.0.5");
const std::uint32_t kHigherAddress = ip("10.0.0.9");
const std::uint32_t kLowerAddress = ip("10.0.0.1");

enum class Event { start, advert, timer, track, shutdown };

struct Step {
  double at = 0;  // seconds on the manual clock
  Event event = Event::timer;
  Advert advert{};      // for Event::advert
  bool healthy = true;  // for Event::track
  std::vector<std::string> expected_actions;
  State expected_state = State::initialize;
};

Step start(double at, std::vector<std::string> actions, State state) {
  return {at, Event::start, {}, true, std::move(actions), state};
}
Step timer(double at, std::vector<std::string> actions, State state) {
  return {at, Event::timer, {}, true, std::move(actions), state};
}
Step advert(double at, int priority, std::uint32_t source, std::vector<std::string> actions, State state,
            double interval = 1.0) {
  return {at, Event::advert, Advert{priority, s(interval), source}, true, std::move(actions), state};
}
Step track(double at, bool healthy, std::vector<std::string> actions, State state) {
  return {at, Event::track, {}, healthy, std::move(actions), state};
}
Step shutdown(double at, std::vector<std::string> actions, State state) {
  return {at, Event::shutdown, {}, true, std::move(actions), state};
}

struct Case {
  std::string name;
  InstanceConfig config;
  std::vector<Step> steps;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

InstanceConfig config(int priority, Variant variant = Variant::rfc5798) {
  InstanceConfig c;
  c.vrid = 51;
  c.address = kSelf;
  c.priority = priority;
  c.advert_interval = s(1);
  c.variant = variant;
  return c;
}

InstanceConfig with_track(InstanceConfig c, int fall, int rise, int weight, bool initially_up = true) {
  c.track = TrackConfig{fall, rise, weight, initially_up};
  return c;
}

InstanceConfig nopreempt(InstanceConfig c) {
  c.preempt = false;
  return c;
}

InstanceConfig with_preempt_delay(InstanceConfig c, double seconds) {
  c.preempt_delay = s(seconds);
  return c;
}

InstanceConfig with_interval(InstanceConfig c, double seconds) {
  c.advert_interval = s(seconds);
  return c;
}

// Master_Down_Interval at advert_int 1 s: 3 + (256 - p)/256.
constexpr double kDown100 = 3.609375;  // priority 100
constexpr double kDown50 = 3.8046875;  // priority 50
constexpr double kSkew50 = 0.8046875;

const auto B = State::backup;
const auto M = State::master;
const auto F = State::fault;
const auto I = State::initialize;

// Shorthand for "becomes master at t": what a backup does when its timer fires.
std::vector<std::string> takeover(int priority, double at, double interval = 1.0) {
  return {"BACKUP->MASTER", "advert " + std::to_string(priority), "take", timer_at(at + interval)};
}

std::vector<Case> cases() {
  return {
      {"OwnerStartsAsMasterAndAdvertisesEveryInterval",
       config(255),
       {start(0, {"INITIALIZE->MASTER", "advert 255", "take", timer_at(1)}, M),
        timer(1, {"advert 255", timer_at(2)}, M), timer(2, {"advert 255", timer_at(3)}, M)}},
      {"NonOwnerStartsAsBackupAndTakesOverAfterMasterDownInterval",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M)}},
      {"EarlyTimerCallDoesNothing",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(1, {}, B), timer(kDown100 - 1e-9, {}, B)}},
      {"BackupStaysWhileHigherMasterAdvertises",
       config(50),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown50)}, B),
        advert(0.5, 100, kHigherAddress, {timer_at(0.5 + kDown50)}, B),
        advert(1.5, 100, kLowerAddress, {timer_at(1.5 + kDown50)}, B), timer(4.5, {}, B),
        timer(1.5 + kDown50, takeover(50, 1.5 + kDown50), M)}},
      {"BackupAcceptsEqualPriorityAdvertWhateverTheAddress",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B),
        advert(1, 100, kLowerAddress, {timer_at(1 + kDown100)}, B)}},
      {"BackupWithPreemptDiscardsLowerAdvertsAndTakesOver",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), advert(1, 50, kHigherAddress, {}, B),
        advert(2, 50, kHigherAddress, {}, B), timer(kDown100, takeover(100, kDown100), M)}},
      {"NopreemptBackupAcceptsLowerAdverts",
       nopreempt(config(100)),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B),
        advert(1, 50, kHigherAddress, {timer_at(1 + kDown100)}, B), timer(kDown100, {}, B),
        advert(2, 50, kHigherAddress, {timer_at(2 + kDown100)}, B)}},
      {"PreemptDelayRunsFromStartup",
       with_preempt_delay(config(100), 5),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B),  // lower masters tolerated until t=5
        advert(1, 50, kHigherAddress, {timer_at(1 + kDown100)}, B),
        advert(4.5, 50, kHigherAddress, {timer_at(4.5 + kDown100)}, B), advert(5, 50, kHigherAddress, {}, B),
        advert(6, 50, kHigherAddress, {}, B), timer(4.5 + kDown100, takeover(100, 4.5 + kDown100), M)}},
      {"HigherMasterPushesThePreemptDelayBack",
       with_preempt_delay(config(100), 2),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B),  // until t=2
        advert(1, 50, kHigherAddress, {timer_at(1 + kDown100)}, B),
        advert(1.5, 150, kHigherAddress, {timer_at(1.5 + kDown100)}, B),  // until t=3.5
        advert(3, 50, kHigherAddress, {timer_at(3 + kDown100)}, B), advert(3.5, 50, kHigherAddress, {}, B)}},
      {"AfterLosingMasterThePreemptDelayOpensAtTheFirstLowerAdvert",
       with_preempt_delay(config(100), 2),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M),
        advert(4, 150, kHigherAddress, {"MASTER->BACKUP", "release", timer_at(4 + kDown100)}, B),
        advert(10, 50, kHigherAddress, {timer_at(10 + kDown100)}, B),  // until t=12
        advert(11.9, 50, kHigherAddress, {timer_at(11.9 + kDown100)}, B), advert(12, 50, kHigherAddress, {}, B)}},
      {"MasterYieldsToHigherPriorityAdvert",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M),
        advert(4, 150, kLowerAddress, {"MASTER->BACKUP", "release", timer_at(4 + kDown100)}, B)}},
      {"MasterIgnoresLowerAdvertUnderRfc",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M),
        advert(4, 50, kHigherAddress, {}, M)}},
      {"MasterAnswersLowerAdvertAtOnceUnderKeepalived",
       config(100, Variant::keepalived_v2),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M),
        advert(4, 50, kHigherAddress, {"advert 100"}, M)}},
      {"EqualPriorityFromHigherAddressWins",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M),
        advert(4, 100, kHigherAddress, {"MASTER->BACKUP", "release", timer_at(4 + kDown100)}, B)}},
      {"EqualPriorityFromLowerAddressLoses",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M),
        advert(4, 100, kLowerAddress, {}, M)}},
      {"MasterShutdownSendsPriorityZeroAndReleases",
       config(255),
       {start(0, {"INITIALIZE->MASTER", "advert 255", "take", timer_at(1)}, M),
        shutdown(0.5, {"MASTER->INITIALIZE", "advert 0", "release", "timer cancel"}, I), timer(1, {}, I),
        advert(1.5, 100, kHigherAddress, {}, I), shutdown(2, {}, I),
        start(3, {"INITIALIZE->MASTER", "advert 255", "take", timer_at(4)}, M)}},
      {"BackupShutdownCancelsItsTimer",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), shutdown(1, {"BACKUP->INITIALIZE", "timer cancel"}, I),
        timer(kDown100, {}, I)}},
      {"BackupTakesOverSkewTimeAfterPriorityZero",
       config(50),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown50)}, B),
        advert(0.2, 100, kHigherAddress, {timer_at(0.2 + kDown50)}, B),
        advert(1.2, 0, kHigherAddress, {timer_at(1.2 + kSkew50)}, B), timer(1.2 + kSkew50 - 1e-9, {}, B),
        timer(1.2 + kSkew50, takeover(50, 1.2 + kSkew50), M)}},
      {"MasterAnswersPriorityZeroWithAnImmediateAdvert",
       config(255),
       {start(0, {"INITIALIZE->MASTER", "advert 255", "take", timer_at(1)}, M),
        advert(0.4, 0, kHigherAddress, {"advert 255", timer_at(1.4)}, M)}},
      {"TrackFallPutsMasterInFaultAndRiseBringsItBack",
       with_track(config(100), 2, 2, 0),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M),
        track(4, false, {}, M), track(5, false, {"MASTER->FAULT", "advert 0", "release", "timer cancel"}, F),
        advert(5.5, 50, kHigherAddress, {}, F), timer(6, {}, F), track(6, true, {}, F),
        track(7, true, {"FAULT->BACKUP", timer_at(7 + kDown100)}, B)}},
      {"TrackFallPutsBackupInFaultWithoutAdvert",
       with_track(config(100), 1, 1, 0),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), track(1, false, {"BACKUP->FAULT", "timer cancel"}, F),
        timer(kDown100, {}, F)}},
      {"InterruptedFailuresDoNotReachFall",
       with_track(config(100), 2, 2, 0),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), track(1, false, {}, B), track(2, true, {}, B),
        track(3, false, {}, B), track(3.5, true, {}, B)}},
      {"TrackInitiallyDownStartsInFault",
       with_track(config(100), 1, 1, 0, false),
       {start(0, {"INITIALIZE->FAULT", "timer cancel"}, F),
        track(1, true, {"FAULT->BACKUP", timer_at(1 + kDown100)}, B)}},
      {"OwnerRecoversFromFaultAsMaster",
       with_track(config(255), 1, 1, 0),
       {start(0, {"INITIALIZE->MASTER", "advert 255", "take", timer_at(1)}, M),
        track(0.5, false, {"MASTER->FAULT", "advert 0", "release", "timer cancel"}, F),
        track(2, true, {"FAULT->MASTER", "advert 255", "take", timer_at(3)}, M)}},
      {"NegativeWeightLowersTheAdvertisedPriority",
       with_track(config(100), 1, 1, -60),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), timer(kDown100, takeover(100, kDown100), M),
        track(4, false, {"priority 100->40"}, M), timer(kDown100 + 1, {"advert 40", timer_at(kDown100 + 2)}, M),
        advert(5, 50, kLowerAddress, {"MASTER->BACKUP", "release", timer_at(5 + 3 + 216.0 / 256)}, B),
        track(6, true, {"priority 40->100"}, B), advert(6.5, 50, kLowerAddress, {}, B)}},
      {"PositiveWeightRaisesThePriorityWhileUp",
       with_track(config(90), 1, 1, 20),
       {start(0, {"INITIALIZE->BACKUP", timer_at(3 + 146.0 / 256)}, B),
        advert(1, 100, kHigherAddress, {}, B),  // 110 outranks 100: preempt
        track(2, false, {"priority 110->90"}, B),
        advert(2.5, 100, kHigherAddress, {timer_at(2.5 + 3 + 166.0 / 256)}, B)}},
      {"OwnerIgnoresTrackWeight",
       with_track(config(255), 1, 1, -100),
       {start(0, {"INITIALIZE->MASTER", "advert 255", "take", timer_at(1)}, M), track(0.5, false, {}, M),
        timer(1, {"advert 255", timer_at(2)}, M)}},
      {"OwnAdvertLoopedBackIsIgnored",
       config(100),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown100)}, B), advert(1, 200, kSelf, {}, B)}},
      {"RfcLearnsMasterAdverIntervalFromAdverts",
       config(50),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown50)}, B),
        advert(1, 100, kHigherAddress, {timer_at(1 + 6 + 2 * kSkew50)}, B, 2.0),
        advert(2, 0, kHigherAddress, {timer_at(2 + 2 * kSkew50)}, B, 2.0)}},
      {"KeepalivedSkewIgnoresTheInterval",
       with_interval(config(50, Variant::keepalived_v2), 2),
       {start(0, {"INITIALIZE->BACKUP", timer_at(6 + kSkew50)}, B),
        advert(1, 100, kHigherAddress, {timer_at(1 + 6 + kSkew50)}, B, 2.0),
        advert(2, 0, kHigherAddress, {timer_at(2 + kSkew50)}, B, 2.0)}},
      {"KeepalivedDropsAdvertsWithAnotherInterval",
       config(50, Variant::keepalived_v2),
       {start(0, {"INITIALIZE->BACKUP", timer_at(kDown50)}, B), advert(1, 100, kHigherAddress, {}, B, 2.0),
        advert(1.5, 0, kHigherAddress, {}, B, 3.0)}},
  };
}

class VrrpTransitions : public ::testing::TestWithParam<Case> {};

TEST_P(VrrpTransitions, FollowsTheTable) {
  const Case& c = GetParam();
  VrrpInstance instance(c.config);
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const Step& step = c.steps[i];
    const TimePoint now = s(step.at);
    Actions actions;
    switch (step.event) {
      case Event::start:
        actions = instance.start(now);
        break;
      case Event::advert:
        actions = instance.on_advert(now, step.advert);
        break;
      case Event::timer:
        actions = instance.on_timer(now);
        break;
      case Event::track:
        actions = instance.on_track_result(now, step.healthy);
        break;
      case Event::shutdown:
        actions = instance.shutdown(now);
        break;
    }
    EXPECT_EQ(brief(actions), step.expected_actions) << "step " << i << " at " << step.at << " s";
    EXPECT_EQ(instance.state(), step.expected_state) << "step " << i << " at " << step.at << " s";
  }
}

INSTANTIATE_TEST_SUITE_P(Vrrp, VrrpTransitions, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(VrrpInstance, StateChangesSayWhy) {
  VrrpInstance instance(config(50));
  instance.start(s(0));
  instance.on_advert(s(0.5), Advert{100, s(1), kHigherAddress});
  instance.on_advert(s(1), Advert{0, s(1), kHigherAddress});
  const Actions actions = instance.on_timer(s(1 + kSkew50));
  ASSERT_FALSE(actions.empty());
  const auto* change = std::get_if<StateChanged>(&actions.front());
  ASSERT_NE(change, nullptr);
  EXPECT_NE(change->reason.find("priority 0"), std::string::npos) << change->reason;
  EXPECT_NE(change->reason.find("10.0.0.9"), std::string::npos) << change->reason;
  EXPECT_EQ(describe(actions.front()), "BACKUP -> MASTER (" + change->reason + ")");
}

TEST(VrrpInstance, DeadlineAccessorMatchesTheLastSetTimer) {
  VrrpInstance instance(config(100));
  EXPECT_FALSE(instance.deadline());
  instance.start(s(0));
  EXPECT_EQ(instance.deadline(), s(kDown100));
  instance.shutdown(s(1));
  EXPECT_FALSE(instance.deadline());
}

struct BadConfig {
  std::string name;
  InstanceConfig config;
  std::string expected_fragment;
};

TEST(VrrpInstance, RejectsInvalidConfigsWithSpecificMessages) {
  auto bad_vrid = config(100);
  bad_vrid.vrid = 0;
  auto bad_priority = config(256);
  auto zero_priority = config(0);
  auto fast_v3 = with_interval(config(100), 0.005);
  auto slow_v3 = with_interval(config(100), 41);
  auto odd_v3 = with_interval(config(100), 1.005);
  auto fractional_v2 = with_interval(config(100, Variant::keepalived_v2), 1.5);
  auto negative_delay = with_preempt_delay(config(100), -1);
  auto zero_fall = with_track(config(100), 0, 1, 0);
  auto zero_rise = with_track(config(100), 1, 0, 0);
  auto huge_weight = with_track(config(100), 1, 1, 300);
  const std::vector<BadConfig> table = {
      {"vrid", bad_vrid, "virtual_router_id 0"},
      {"priority", bad_priority, "priority 256"},
      {"zero priority", zero_priority, "priority 0"},
      {"fast v3", fast_v3, "0.01-40.95"},
      {"slow v3", slow_v3, "0.01-40.95"},
      {"odd v3", odd_v3, "centiseconds"},
      {"fractional v2", fractional_v2, "whole seconds"},
      {"negative delay", negative_delay, "preempt_delay"},
      {"zero fall", zero_fall, "fall"},
      {"zero rise", zero_rise, "rise"},
      {"huge weight", huge_weight, "weight 300"},
  };
  for (const auto& bad : table) {
    const auto problems = validate(bad.config);
    ASSERT_EQ(problems.size(), 1u) << bad.name;
    EXPECT_NE(problems[0].find(bad.expected_fragment), std::string::npos) << bad.name << ": " << problems[0];
    EXPECT_THROW(VrrpInstance{bad.config}, std::invalid_argument) << bad.name;
  }
  EXPECT_TRUE(validate(config(255)).empty());
  EXPECT_TRUE(validate(config(1, Variant::keepalived_v2)).empty());
}

}  // namespace
}  // namespace wsfo::vrrp
