// `wsfo vip-notify`'s pure part: keepalived's notify arguments → the `vip`
// event the emulation writes for the same transition.
#include <gtest/gtest.h>

#include "core/history/event.hpp"
#include "core/stack/vip_notify.hpp"
#include "core/vrrp/vrrp_instance.hpp"

namespace stack_vip_notify_test {

using namespace wsfo;

TEST(StackVipNotify, KeepalivedStatesReadAsTheEmulationWritesThem) {
  EXPECT_EQ(stack::emulation_state("MASTER"), vrrp::to_string(vrrp::State::master));
  EXPECT_EQ(stack::emulation_state("BACKUP"), vrrp::to_string(vrrp::State::backup));
  EXPECT_EQ(stack::emulation_state("FAULT"), vrrp::to_string(vrrp::State::fault));
  // The emulation's agent returns to Initialize when it shuts down.
  EXPECT_EQ(stack::emulation_state("STOP"), vrrp::to_string(vrrp::State::initialize));
  EXPECT_EQ(stack::emulation_state("DELETED"), vrrp::to_string(vrrp::State::initialize));
  EXPECT_EQ(std::string(stack::kInitialVipState), vrrp::to_string(vrrp::State::initialize));
  EXPECT_FALSE(stack::emulation_state("master"));
  EXPECT_FALSE(stack::emulation_state("MASTER_RX_LOWER_PRI"));
}

TEST(StackVipNotify, ArgumentsBecomeAVipEventWithTheEmulationsFields) {
  std::string error;
  auto notification = stack::parse_vip_notify({"INSTANCE", "vip-112", "MASTER", "100"}, error);
  ASSERT_TRUE(notification) << error;
  EXPECT_EQ(notification->instance, "vip-112");
  EXPECT_EQ(notification->to, "MASTER");
  EXPECT_EQ(notification->priority, 100);

  const std::string line = stack::vip_event_line(*notification, "server1", "BACKUP", "198.18.2.112", 123456789);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  auto event = history::parse_event_line(line.substr(0, line.size() - 1), error);
  ASSERT_TRUE(event) << error << "\n" << line;
  EXPECT_EQ(event->kind, "vip");
  EXPECT_EQ(event->t_ns, 123456789);
  EXPECT_EQ(event->source, "server1");
  EXPECT_FALSE(event->router_id);
  const history::Json expected = {{"instance", "vip-112"},
                                  {"vip", "198.18.2.112"},
                                  {"node", "server1"},
                                  {"from", "BACKUP"},
                                  {"to", "MASTER"},
                                  {"priority", 100},
                                  {"reason", "keepalived notify"}};
  EXPECT_EQ(event->fields, expected) << line;
}

TEST(StackVipNotify, StopIsAnEventToInitialize) {
  std::string error;
  auto notification = stack::parse_vip_notify({"INSTANCE", "vip-110", "STOP", "0"}, error);
  ASSERT_TRUE(notification) << error;
  EXPECT_EQ(notification->to, "INITIALIZE");
  EXPECT_EQ(notification->priority, 0);
}

TEST(StackVipNotify, BadArgumentsAreNamed) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"INSTANCE", "vip-110", "MASTER"}, "expected the 4 arguments keepalived appends"},
      {{"INSTANCE", "vip-110", "MASTER", "100", "extra"}, "got 5"},
      {{"GROUP", "g1", "MASTER", "100"}, "expected INSTANCE as the first argument, got \"GROUP\""},
      {{"INSTANCE", "", "MASTER", "100"}, "the instance name is empty"},
      {{"INSTANCE", "vip-110", "LEADER", "100"}, "unknown state \"LEADER\""},
      {{"INSTANCE", "vip-110", "MASTER", "high"}, "priority \"high\" is not an integer in 0-255"},
      {{"INSTANCE", "vip-110", "MASTER", "100x"}, "priority \"100x\""},
      {{"INSTANCE", "vip-110", "MASTER", "256"}, "priority \"256\""},
      {{"INSTANCE", "vip-110", "MASTER", ""}, "priority \"\""},
  };
  for (const auto& [args, message] : cases) {
    std::string error;
    EXPECT_FALSE(stack::parse_vip_notify(args, error));
    EXPECT_NE(error.find(message), std::string::npos) << error;
  }
}

}  // namespace stack_vip_notify_test
