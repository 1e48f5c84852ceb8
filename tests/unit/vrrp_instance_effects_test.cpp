// Carrying out an instance's actions, as both VRRP agents do: what reaches
// the engine, in which order, and what is recorded.
#include <gtest/gtest.h>

#include <set>

#include "core/vrrp/instance_effects.hpp"
#include "tests/unit/vrrp_test_support.hpp"

namespace wsfo::vrrp {
namespace {

using testing::s;

struct EffectsIo : InstanceIo {
  std::set<std::size_t> in_use;
  std::vector<std::string> trace;
  std::vector<history::Event> events;

  void send_advert(const SendAdvert& advert) override { trace.push_back("advert " + std::to_string(advert.priority)); }
  void set_timer(std::optional<TimePoint> at) override {
    trace.push_back(at ? "timer " + std::to_string(std::chrono::duration<double>(*at).count()).substr(0, 3)
                       : "timer cancel");
  }
  std::optional<std::string> bind(std::size_t vip) override {
    trace.push_back("bind " + std::to_string(vip));
    return in_use.count(vip) ? std::optional<std::string>("address in use") : std::nullopt;
  }
  void unbind(std::size_t vip) override { trace.push_back("unbind " + std::to_string(vip)); }
  void arm_retry(TimePoint) override { trace.push_back("retry"); }
  void cancel_retry() override { trace.push_back("cancel retry"); }
  void report(history::Event event) override {
    trace.push_back("record " + event.kind);
    events.push_back(std::move(event));
  }
};

AgentInstance owner_instance() {
  AgentInstance instance;
  instance.name = "vip";
  instance.vrid = 3;
  instance.priority = kOwnerPriority;
  instance.vips = {{"127.0.5.100", 8080}, {"127.0.5.101", 8081}};
  return instance;
}

InstanceConfig machine_config(const AgentInstance& instance) {
  InstanceConfig config;
  config.address = testing::ip("10.0.0.5");
  config.priority = instance.priority;
  return config;
}

using Lines = std::vector<std::string>;

TEST(InstanceEffects, CarriesOutEachActionInOrderWithTheVipsAfterTheAdvert) {
  const AgentInstance instance = owner_instance();
  VrrpInstance machine(machine_config(instance));
  VipBinder binder("n1", instance);
  EffectsIo io;
  io.in_use = {1};
  carry_out(machine.start(s(0)), machine, binder, s(0), io);
  EXPECT_EQ(std::exchange(io.trace, {}), (Lines{"record vip", "advert 255", "bind 0", "bind 1", "retry", "timer 1.0"}));
  ASSERT_EQ(io.events.size(), 1u);
  EXPECT_EQ(io.events[0].fields["to"], "MASTER");
  EXPECT_EQ(io.events[0].fields["vip"], "127.0.5.100,127.0.5.101");
  EXPECT_EQ(io.events[0].fields["priority"], kOwnerPriority);
  EXPECT_EQ(io.events[0].source, "n1");

  // Still failing at the next advert, long after the grace: retried after
  // that advert and reported.
  carry_out(machine.on_timer(s(1)), machine, binder, s(1), io);
  EXPECT_EQ(std::exchange(io.trace, {}), (Lines{"advert 255", "bind 1", "record vip-bind-failed", "timer 2.0"}));

  carry_out(machine.shutdown(s(2)), machine, binder, s(2), io);
  EXPECT_EQ(std::exchange(io.trace, {}), (Lines{"record vip", "advert 0", "cancel retry", "unbind 0", "timer cancel"}));
  EXPECT_EQ(io.events.back().t_ns, s(2).count());
}

TEST(InstanceEffects, RecordsPriorityChanges) {
  AgentInstance instance = owner_instance();
  instance.priority = 100;
  InstanceConfig config = machine_config(instance);
  config.track = TrackConfig{1, 1, -30, true};
  VrrpInstance machine(config);
  VipBinder binder("n1", instance);
  EffectsIo io;
  carry_out(machine.start(s(0)), machine, binder, s(0), io);
  io.trace.clear();
  carry_out(machine.on_track_result(s(1), false), machine, binder, s(1), io);
  EXPECT_EQ(io.trace, Lines{"record vip-priority"});
  EXPECT_EQ(io.events.back().fields["from"], 100);
  EXPECT_EQ(io.events.back().fields["to"], 70);
}

}  // namespace
}  // namespace wsfo::vrrp
