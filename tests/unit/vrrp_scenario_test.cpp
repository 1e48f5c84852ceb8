// Two VRRP instances (priorities 100 and 50, advert_int 1 s) exchanging
// adverts through the test on a manual clock, reproducing the takeover times
// measured on real keepalived 2.2.7 (DESIGN.md §1): hard loss of the master,
// graceful stop, recovery with preempt.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>

#include "core/vrrp/vrrp_instance.hpp"
#include "tests/unit/vrrp_test_support.hpp"

namespace wsfo::vrrp {
namespace {

using testing::ip;
using testing::s;

double in_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

struct VipEvent {
  TimePoint at;
  int node;
  bool taken;  // false: released (or lost with the node)
};

// A LAN of two nodes: adverts are delivered at once unless the sender or the
// receiver is down or the link is partitioned.
class TwoNodeLan {
 public:
  TwoNodeLan(InstanceConfig a, InstanceConfig b) : configs_{std::move(a), std::move(b)} {
    for (int i = 0; i < 2; ++i) nodes_[i].instance = std::make_unique<VrrpInstance>(configs_[i]);
  }

  void start(int node) {
    nodes_[node].alive = true;
    apply(node, nodes_[node].instance->start(now_));
  }

  // SIGKILL: nothing is sent, the VIP vanishes with the node.
  void kill(int node) {
    Node& n = nodes_[node];
    n.alive = false;
    n.wake.reset();
    if (n.holds_vip) record(node, false);
    n.instance = std::make_unique<VrrpInstance>(configs_[node]);  // a restart begins from scratch
  }

  void stop(int node) {
    apply(node, nodes_[node].instance->shutdown(now_));
    nodes_[node].alive = false;
  }

  void track(int node, bool healthy) { apply(node, nodes_[node].instance->on_track_result(now_, healthy)); }

  void partition(bool cut) { partitioned_ = cut; }

  // Fires every timer due up to `end`, in time order, then sets the clock to `end`.
  void run_until(TimePoint end) {
    for (;;) {
      int next = -1;
      for (int i = 0; i < 2; ++i) {
        const auto& wake = nodes_[i].wake;
        if (nodes_[i].alive && wake && *wake <= end && (next < 0 || *wake < *nodes_[next].wake)) next = i;
      }
      if (next < 0) break;
      now_ = *nodes_[next].wake;
      apply(next, nodes_[next].instance->on_timer(now_));
    }
    now_ = end;
  }

  TimePoint now() const { return now_; }
  bool holds_vip(int node) const { return nodes_[node].holds_vip; }
  State state(int node) const { return nodes_[node].instance->state(); }
  const std::vector<VipEvent>& vip_events() const { return vip_events_; }
  std::optional<TimePoint> last_advert_from(int node) const { return nodes_[node].last_advert; }

  std::optional<TimePoint> first_take_after(int node, TimePoint after) const {
    for (const auto& e : vip_events_) {
      if (e.node == node && e.taken && e.at >= after) return e.at;
    }
    return std::nullopt;
  }

 private:
  struct Node {
    std::unique_ptr<VrrpInstance> instance;
    bool alive = false;
    bool holds_vip = false;
    std::optional<TimePoint> wake;
    std::optional<TimePoint> last_advert;
  };
  struct Delivery {
    int to;
    Advert advert;
  };

  void apply(int node, const Actions& actions) {
    std::deque<Delivery> deliveries;
    handle(node, actions, deliveries);
    while (!deliveries.empty()) {
      const Delivery d = deliveries.front();
      deliveries.pop_front();
      if (nodes_[d.to].alive) handle(d.to, nodes_[d.to].instance->on_advert(now_, d.advert), deliveries);
    }
  }

  void handle(int node, const Actions& actions, std::deque<Delivery>& deliveries) {
    Node& n = nodes_[node];
    for (const auto& action : actions) {
      if (const auto* advert = std::get_if<SendAdvert>(&action)) {
        n.last_advert = now_;
        if (!partitioned_)
          deliveries.push_back({1 - node, Advert{advert->priority, advert->interval, configs_[node].address}});
      } else if (std::holds_alternative<TakeVip>(action)) {
        n.holds_vip = true;
        record(node, true);
      } else if (std::holds_alternative<ReleaseVip>(action)) {
        n.holds_vip = false;
        record(node, false);
      } else if (const auto* timer = std::get_if<SetTimer>(&action)) {
        n.wake = timer->at;
      }
    }
  }

  void record(int node, bool taken) {
    nodes_[node].holds_vip = taken;
    vip_events_.push_back({now_, node, taken});
  }

  InstanceConfig configs_[2];
  Node nodes_[2];
  TimePoint now_{};
  bool partitioned_ = false;
  std::vector<VipEvent> vip_events_;
};

constexpr int kHigh = 0;  // priority 100
constexpr int kLow = 1;   // priority 50

InstanceConfig node_config(int priority, const char* address, Variant variant) {
  InstanceConfig c;
  c.vrid = 51;
  c.address = ip(address);
  c.priority = priority;
  c.advert_interval = s(1);
  c.variant = variant;
  return c;
}

class VrrpScenario : public ::testing::TestWithParam<Variant> {
 protected:
  // Both start together; the 100 wins after its Master_Down_Interval (3.609375 s).
  TwoNodeLan started_pair(bool preempt = true) {
    auto high = node_config(100, "127.0.1.1", GetParam());
    high.preempt = preempt;
    TwoNodeLan lan(high, node_config(50, "127.0.1.2", GetParam()));
    lan.start(kHigh);
    lan.start(kLow);
    lan.run_until(s(10));
    EXPECT_TRUE(lan.holds_vip(kHigh));
    EXPECT_FALSE(lan.holds_vip(kLow));
    EXPECT_EQ(lan.first_take_after(kHigh, s(0)), s(3.609375));
    return lan;
  }
};

TEST_P(VrrpScenario, HardLossTakesOverMasterDownIntervalAfterTheLastAdvert) {
  // Kill the master at several points of its advert period: the backup takes
  // over Master_Down_Interval(50) = 3.8046875 s after the last advert it heard,
  // i.e. 2.80-3.80 s after the kill (keepalived measured 3.35 s).
  for (double offset : {0.01, 0.25, 0.5, 0.75, 0.99}) {
    TwoNodeLan lan = started_pair();
    const TimePoint last_advert = *lan.last_advert_from(kHigh);  // 9.609375
    const TimePoint kill_at = last_advert + s(offset);
    lan.run_until(kill_at);
    lan.kill(kHigh);
    lan.run_until(kill_at + s(10));
    const auto taken = lan.first_take_after(kLow, kill_at);
    ASSERT_TRUE(taken) << offset;
    EXPECT_EQ(*taken - last_advert, s(3.8046875)) << offset;
    const double after_kill = in_seconds(*taken - kill_at);
    EXPECT_GE(after_kill, 2.80) << offset;
    EXPECT_LE(after_kill, 3.80) << offset;
    EXPECT_EQ(lan.state(kLow), State::master);
  }
}

TEST_P(VrrpScenario, GracefulStopTakesOverAfterSkewTime) {
  TwoNodeLan lan = started_pair();
  const TimePoint stop_at = s(10.3);
  lan.run_until(stop_at);
  lan.stop(kHigh);
  EXPECT_FALSE(lan.holds_vip(kHigh));
  lan.run_until(s(20));
  const auto taken = lan.first_take_after(kLow, stop_at);
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken - stop_at, s(0.8046875));           // Skew_Time for priority 50
  EXPECT_NEAR(in_seconds(*taken - stop_at), 0.83, 0.05);  // keepalived measured 0.83 s
}

TEST_P(VrrpScenario, RecoveredHigherPriorityPreemptsBack) {
  TwoNodeLan lan = started_pair();
  lan.kill(kHigh);
  lan.run_until(s(20));
  ASSERT_TRUE(lan.holds_vip(kLow));
  const TimePoint restart_at = s(20.4);
  lan.run_until(restart_at);
  lan.start(kHigh);
  lan.run_until(s(30));
  const auto taken = lan.first_take_after(kHigh, restart_at);
  ASSERT_TRUE(taken);
  // The restarted 100 discards the 50's adverts and preempts when its own
  // Master_Down_Interval runs out: 3.609375 s (keepalived measured 3.64 s).
  EXPECT_EQ(*taken - restart_at, s(3.609375));
  EXPECT_NEAR(in_seconds(*taken - restart_at), 3.64, 0.1);
  EXPECT_FALSE(lan.holds_vip(kLow));
  EXPECT_EQ(lan.state(kLow), State::backup);
  // The 50 released the VIP at the very moment the 100 took it: never two holders.
  const auto& events = lan.vip_events();
  const auto release =
      std::find_if(events.rbegin(), events.rend(), [](const VipEvent& e) { return e.node == kLow && !e.taken; });
  ASSERT_NE(release, events.rend());
  EXPECT_EQ(release->at, *taken);
}

TEST_P(VrrpScenario, RecoveredNopreemptInstanceStaysBackup) {
  TwoNodeLan lan = started_pair(/*preempt=*/false);
  lan.kill(kHigh);
  lan.run_until(s(20));
  lan.start(kHigh);
  lan.run_until(s(40));
  EXPECT_TRUE(lan.holds_vip(kLow));
  EXPECT_FALSE(lan.holds_vip(kHigh));
  EXPECT_EQ(lan.state(kHigh), State::backup);
}

TEST_P(VrrpScenario, TrackWeightBelowThePeerHandsTheVipOver) {
  auto high = node_config(100, "127.0.1.1", GetParam());
  high.track = TrackConfig{2, 2, -60, true};
  TwoNodeLan lan(high, node_config(50, "127.0.1.2", GetParam()));
  lan.start(kHigh);
  lan.start(kLow);
  lan.run_until(s(10));
  lan.track(kHigh, false);
  lan.run_until(s(11));
  lan.track(kHigh, false);  // fall 2: now priority 40
  lan.run_until(s(30));
  EXPECT_TRUE(lan.holds_vip(kLow));
  EXPECT_EQ(lan.state(kHigh), State::backup);
  // The 50 ignored the first advert at 40 (11.609375) and took over
  // Master_Down_Interval after the last advert at 100 (10.609375).
  EXPECT_EQ(lan.first_take_after(kLow, s(0)), s(10.609375 + 3.8046875));
}

TEST_P(VrrpScenario, TrackFaultReleasesAtOnceAndTheBackupFollowsAfterSkewTime) {
  auto high = node_config(100, "127.0.1.1", GetParam());
  high.track = TrackConfig{1, 1, 0, true};
  TwoNodeLan lan(high, node_config(50, "127.0.1.2", GetParam()));
  lan.start(kHigh);
  lan.start(kLow);
  lan.run_until(s(10));
  lan.track(kHigh, false);
  EXPECT_EQ(lan.state(kHigh), State::fault);
  EXPECT_FALSE(lan.holds_vip(kHigh));
  lan.run_until(s(20));
  EXPECT_EQ(lan.first_take_after(kLow, s(0)), s(10 + 0.8046875));
  lan.track(kHigh, true);
  lan.run_until(s(30));
  EXPECT_EQ(lan.first_take_after(kHigh, s(20)), s(20 + 3.609375));
  EXPECT_FALSE(lan.holds_vip(kLow));
}

TEST_P(VrrpScenario, PartitionMakesBothMasters) {
  TwoNodeLan lan = started_pair();
  lan.partition(true);
  lan.run_until(s(20));
  EXPECT_TRUE(lan.holds_vip(kHigh));
  EXPECT_TRUE(lan.holds_vip(kLow));  // split brain
  lan.partition(false);
  lan.run_until(s(22));
  EXPECT_TRUE(lan.holds_vip(kHigh));
  EXPECT_FALSE(lan.holds_vip(kLow));
}

INSTANTIATE_TEST_SUITE_P(Vrrp, VrrpScenario, ::testing::Values(Variant::rfc5798, Variant::keepalived_v2),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return info.param == Variant::rfc5798 ? std::string("Rfc5798") : std::string("KeepalivedV2");
                         });

}  // namespace
}  // namespace wsfo::vrrp
