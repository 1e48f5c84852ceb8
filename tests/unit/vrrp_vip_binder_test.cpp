// The VIP binder that both VRRP agents run: what it asks its engine to do,
// as a trace, for the instance's actions, failed binds and retry wake-ups.
#include <gtest/gtest.h>

#include <set>

#include "core/vrrp/vip_binder.hpp"
#include "tests/unit/vrrp_test_support.hpp"

namespace wsfo::vrrp {
namespace {

using testing::s;

// Records what the binder asks for; a VIP listed in `in_use` fails to bind.
struct FakeBindings : VipBindings {
  std::set<std::size_t> in_use;
  std::vector<std::string> trace;
  std::vector<history::Event> reports;

  std::optional<std::string> bind(std::size_t vip) override {
    trace.push_back("bind " + std::to_string(vip));
    if (in_use.count(vip)) return "address in use";
    return std::nullopt;
  }
  void unbind(std::size_t vip) override { trace.push_back("unbind " + std::to_string(vip)); }
  void arm_retry(TimePoint at) override {
    trace.push_back("retry at " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(at).count()));
  }
  void cancel_retry() override { trace.push_back("cancel retry"); }
  void report(history::Event event) override {
    trace.push_back(event.kind + " " + event.fields["vip"].get<std::string>());
    reports.push_back(std::move(event));
  }
  std::vector<std::string> take_trace() { return std::exchange(trace, {}); }
};

AgentInstance two_vips() {
  AgentInstance instance;
  instance.name = "vip";
  instance.vrid = 7;
  instance.priority = 100;
  instance.vips = {{"127.0.5.100", 8080}, {"127.0.5.101", 8081}};
  return instance;
}

TimePoint ms(int milliseconds) { return std::chrono::milliseconds(milliseconds); }

// The actions of VrrpInstance::become_master, in its order.
Actions become_master(State from) {
  return {StateChanged{from, State::master, "no advert"}, SendAdvert{100, s(1)}, TakeVip{}, SetTimer{s(2)}};
}
Actions advert_timer() { return {SendAdvert{100, s(1)}, SetTimer{s(3)}}; }
Actions preempted() { return {StateChanged{State::master, State::backup, "outranked"}, ReleaseVip{}, SetTimer{s(4)}}; }
Actions track_down() {
  return {StateChanged{State::master, State::fault, "track script down"}, SendAdvert{0, s(1)}, ReleaseVip{},
          SetTimer{std::nullopt}};
}

void apply(VipBinder& binder, const Actions& actions, TimePoint now, VipBindings& io) {
  for (const auto& action : actions) binder.on_action(action, now, io);
}

using Trace = std::vector<std::string>;

TEST(VipBinder, TakesEveryVipOnBecomingMaster) {
  VipBinder binder("n1", two_vips());
  FakeBindings io;
  apply(binder, {StateChanged{State::initialize, State::backup, "startup"}, SetTimer{s(3)}}, ms(0), io);
  EXPECT_EQ(io.take_trace(), Trace{});
  apply(binder, become_master(State::backup), ms(3000), io);
  EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "bind 1"}));
  EXPECT_EQ(binder.holds(), (std::vector<VipHold>{VipHold::held, VipHold::held}));
  // A Master's adverts leave held VIPs alone.
  apply(binder, advert_timer(), ms(4000), io);
  EXPECT_EQ(io.take_trace(), Trace{});
}

TEST(VipBinder, ReleasesWhenPreemptedToBackup) {
  VipBinder binder("n1", two_vips());
  FakeBindings io;
  apply(binder, become_master(State::backup), ms(0), io);
  io.take_trace();
  apply(binder, preempted(), ms(500), io);
  EXPECT_EQ(io.take_trace(), (Trace{"cancel retry", "unbind 0", "unbind 1"}));
  EXPECT_EQ(binder.holds(), (std::vector<VipHold>{VipHold::released, VipHold::released}));
}

TEST(VipBinder, ReleasesOnFaultWithoutRetryingAtTheResignationAdvert) {
  VipBinder binder("n1", two_vips());
  FakeBindings io;
  io.in_use = {1};
  apply(binder, become_master(State::backup), ms(0), io);
  EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "bind 1", "retry at 20"}));
  // The priority-0 advert goes out once the instance is FAULT: no bind then.
  apply(binder, track_down(), ms(10), io);
  EXPECT_EQ(io.take_trace(), (Trace{"cancel retry", "unbind 0"}));
  // A wake-up the engine could not cancel in time does nothing either.
  binder.on_retry_timer(ms(20), io);
  EXPECT_EQ(io.take_trace(), Trace{});
}

TEST(VipBinder, RetriesAFailedBindUntilTheGraceThenAtEachAdvertAndReportsOnce) {
  VipBinder binder("n1", two_vips());
  FakeBindings io;
  io.in_use = {0};
  apply(binder, become_master(State::backup), ms(1000), io);
  EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "bind 1", "retry at 1020"}));
  EXPECT_EQ(binder.holds()[0], VipHold::bind_pending);
  for (int at = 1020; at < 1200; at += 20) {
    binder.on_retry_timer(ms(at), io);
    EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "retry at " + std::to_string(at + 20)})) << at;
  }
  // kBindGrace has passed: reported, and no more timed retries.
  binder.on_retry_timer(ms(1200), io);
  EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "vip-bind-failed 127.0.5.100"}));
  EXPECT_EQ(binder.holds()[0], VipHold::bind_failed);
  ASSERT_EQ(io.reports.size(), 1u);
  const auto& failed = io.reports[0];
  EXPECT_EQ(failed.t_ns, ms(1200).count());
  EXPECT_EQ(failed.source, "n1");
  EXPECT_EQ(failed.fields["reason"], "address in use");
  EXPECT_EQ(failed.fields["instance"], "vip");
  EXPECT_EQ(failed.fields["node"], "n1");
  EXPECT_EQ(failed.fields["port"], 8080);
  // Split brain: each advert retries, and the failure is not reported again.
  apply(binder, advert_timer(), ms(2000), io);
  apply(binder, advert_timer(), ms(3000), io);
  EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "bind 0"}));
  // The other node let go: bound at the next advert, and said so.
  io.in_use.clear();
  apply(binder, advert_timer(), ms(4000), io);
  EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "vip-bound 127.0.5.100"}));
  EXPECT_EQ(io.reports.back().fields["reason"], "bound after an earlier failure");
  EXPECT_EQ(binder.holds()[0], VipHold::held);
  // Bound: no more retries.
  apply(binder, advert_timer(), ms(5000), io);
  EXPECT_EQ(io.take_trace(), Trace{});
}

TEST(VipBinder, AFailureShorterThanTheGraceIsNotReported) {
  VipBinder binder("n1", two_vips());
  FakeBindings io;
  io.in_use = {0, 1};
  apply(binder, become_master(State::backup), ms(0), io);
  binder.on_retry_timer(ms(20), io);
  io.in_use.clear();  // the preempted master heard our advert and released
  binder.on_retry_timer(ms(40), io);
  EXPECT_EQ(io.take_trace(),
            (Trace{"bind 0", "bind 1", "retry at 20", "bind 0", "bind 1", "retry at 40", "bind 0", "bind 1"}));
  EXPECT_TRUE(io.reports.empty());
  EXPECT_EQ(binder.holds(), (std::vector<VipHold>{VipHold::held, VipHold::held}));
}

TEST(VipBinder, EachEpisodeAsMasterGetsItsOwnGrace) {
  VipBinder binder("n1", two_vips());
  FakeBindings io;
  io.in_use = {1};
  apply(binder, become_master(State::backup), ms(0), io);
  for (int at = 20; at <= 200; at += 20) binder.on_retry_timer(ms(at), io);
  ASSERT_EQ(io.reports.size(), 1u);
  apply(binder, preempted(), ms(500), io);
  io.take_trace();
  // Master again much later, the address still in use: a new grace first.
  apply(binder, become_master(State::backup), ms(10000), io);
  EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "bind 1", "retry at 10020"}));
  EXPECT_EQ(io.reports.size(), 1u);
  for (int at = 10020; at <= 10200; at += 20) binder.on_retry_timer(ms(at), io);
  EXPECT_EQ(io.reports.size(), 2u);
}

TEST(VipBinder, ReleaseAllUnbindsOnlyWhatIsHeld) {
  VipBinder binder("n1", two_vips());
  FakeBindings io;
  io.in_use = {0};
  apply(binder, become_master(State::backup), ms(0), io);
  io.take_trace();
  binder.release_all(io);
  EXPECT_EQ(io.take_trace(), (Trace{"cancel retry", "unbind 1"}));
  binder.release_all(io);  // nothing left
  EXPECT_EQ(io.take_trace(), Trace{"cancel retry"});
}

// Driven by the real state machine: an address owner is Master at startup
// and a shutdown resigns.
TEST(VipBinder, FollowsAVrrpInstance) {
  InstanceConfig config;
  config.address = testing::ip("10.0.0.5");
  config.priority = kOwnerPriority;
  VrrpInstance machine(config);
  VipBinder binder("n1", two_vips());
  FakeBindings io;
  apply(binder, machine.start(ms(0)), ms(0), io);
  EXPECT_EQ(io.take_trace(), (Trace{"bind 0", "bind 1"}));
  apply(binder, machine.on_timer(s(1)), s(1), io);
  EXPECT_EQ(io.take_trace(), Trace{});
  apply(binder, machine.shutdown(s(2)), s(2), io);
  EXPECT_EQ(io.take_trace(), (Trace{"cancel retry", "unbind 0", "unbind 1"}));
}

}  // namespace
}  // namespace wsfo::vrrp
