// The real-stack testbed in network namespaces: built, reached across the
// bridge, faulted (link down, VRRP blocked, addresses reset, processes
// killed) and torn down without leftovers; stale testbeds of dead owners are
// cleared and those of live owners kept. Needs root with CAP_NET_ADMIN.
#include "simulator/stack/testbed.hpp"
#include "tests/netns/netns_skip.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "process/child_process.hpp"
#include "simulator/stack/netns_command.hpp"
#include "tests/netns/netns_sockets.hpp"

namespace wsfo::stack::netns_test {

using std::chrono::milliseconds;

std::vector<std::string> namespaces_starting_with(const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& name : list_namespaces())
    if (name.rfind(prefix, 0) == 0) found.push_back(name);
  return found;
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += item + " ";
  return text;
}

// The seed-002 shape: two nodes, the backends, the clients.
std::vector<NamespaceSpec> seed_spec() {
  return {
      {"node server1", {"198.18.2.14"}, {}, true},
      {"node server2", {"198.18.2.15"}, {}, true},
      {"backends", {"198.18.2.16", "198.18.2.17"}, {}, false},
      {"clients", {"198.18.7.7"}, {"198.19.128.0/24"}, false},
  };
}

std::string command_output(const std::vector<std::string>& prefix, const std::vector<std::string>& command) {
  std::vector<std::string> argv = prefix;
  argv.insert(argv.end(), command.begin(), command.end());
  auto result = run_command(argv);
  EXPECT_TRUE(result.ok) << result.error;
  return result.out;
}

// A child that runs `sleep` in the role's namespace, once it is there.
std::unique_ptr<process::ChildProcess> sleep_in(const Testbed& bed, const std::string& role) {
  std::vector<std::string> argv = bed.exec_prefix(role);
  argv.insert(argv.end(), {"/bin/sleep", "30"});
  auto child = std::make_unique<process::ChildProcess>(argv);
  for (int i = 0; i < 200; ++i) {
    auto pids = bed.pids(role);
    if (std::find(pids.begin(), pids.end(), child->pid()) != pids.end()) return child;
    std::this_thread::sleep_for(milliseconds(5));
  }
  ADD_FAILURE() << "pid " << child->pid() << " never showed in " << role;
  return child;
}

class TestbedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WSFO_NETNS_SKIP_UNLESS_AVAILABLE(testbed_unavailable_reason());
  }

  void TearDown() override {
    for (auto& bed : beds_) EXPECT_EQ(bed->teardown(), "");
    beds_.clear();
    EXPECT_EQ(joined(namespaces_starting_with(namespace_prefix(this_process_as_owner()))), "");
  }

  Testbed& build(const std::vector<NamespaceSpec>& spec, const TestbedOwner& owner = this_process_as_owner()) {
    std::string error;
    auto bed = Testbed::build(spec, owner, error);
    if (!bed) throw std::runtime_error(error);
    beds_.push_back(std::move(bed));
    return *beds_.back();
  }

  std::vector<std::unique_ptr<Testbed>> beds_;
};

TEST_F(TestbedTest, BuildsFiveNamespacesQuicklyAndTearsThemDownWithoutLeftovers) {
  auto spec = seed_spec();
  spec.push_back({"node server3", {"198.18.2.13"}, {}, true});
  Testbed& bed = build(spec);
  std::string prefix = namespace_prefix(this_process_as_owner());
  EXPECT_EQ(bed.namespace_of("node server1"), prefix + "node-server1");
  EXPECT_EQ(bed.namespace_of("no such role"), "");
  EXPECT_EQ(namespaces_starting_with(prefix).size(), 6u);  // 5 and the bridge's

  Fd listener;
  ASSERT_EQ(listen_in(bed.namespace_of("backends"), "198.18.2.17", 8010, listener), "");
  EXPECT_EQ(connect_from(bed.namespace_of("node server1"), "", "198.18.2.17", 8010, milliseconds(2000)), "");
  EXPECT_EQ(accepted_peer(listener), "198.18.2.14");
  EXPECT_EQ(connect_from(bed.namespace_of("node server3"), "", "198.18.2.17", 8010, milliseconds(2000)), "");
  EXPECT_EQ(accepted_peer(listener), "198.18.2.13");
  listener.reset(-1);  // an open socket keeps its namespace alive after the name is gone

  std::cout << "testbed of 5 namespaces: built in " << bed.build_time().count() << " ms" << std::endl;
  EXPECT_LT(bed.build_time(), milliseconds(5000));
  EXPECT_EQ(bed.teardown(), "");
  std::cout << "testbed of 5 namespaces: torn down in " << bed.teardown_time().count() << " ms" << std::endl;
  EXPECT_LT(bed.teardown_time(), milliseconds(2000));
  EXPECT_EQ(joined(namespaces_starting_with(prefix)), "");
  EXPECT_EQ(bed.teardown(), "");  // again: nothing to do
}

TEST_F(TestbedTest, ClientsBindTheirLocalRangeAndALinkDownCutsThemOff) {
  Testbed& bed = build(seed_spec());
  Fd listener;
  ASSERT_EQ(listen_in(bed.namespace_of("node server1"), "198.18.2.14", 8020, listener), "");
  std::string clients = bed.namespace_of("clients");
  EXPECT_EQ(connect_from(clients, "198.19.128.77", "198.18.2.14", 8020, milliseconds(2000)), "");
  EXPECT_EQ(accepted_peer(listener), "198.19.128.77");
  EXPECT_NE(connect_from(clients, "198.19.129.1", "198.18.2.14", 8020, milliseconds(500)), "")
      << "an address outside the local range is not ours to bind";

  EXPECT_EQ(bed.set_link("clients", false), "");
  EXPECT_NE(connect_from(clients, "198.19.128.78", "198.18.2.14", 8020, milliseconds(1000)), "");
  EXPECT_EQ(bed.set_link("clients", true), "");
  EXPECT_EQ(connect_from(clients, "198.19.128.79", "198.18.2.14", 8020, milliseconds(3000)), "");
  EXPECT_EQ(accepted_peer(listener), "198.19.128.79");
  EXPECT_NE(bed.set_link("no such role", true), "");
}

TEST_F(TestbedTest, OnlyNodesMayListenOnAnAddressTheyDoNotHold) {
  Testbed& bed = build(seed_spec());
  Fd on_node;
  EXPECT_EQ(listen_in(bed.namespace_of("node server2"), "198.18.2.110", 8020, on_node), "");
  Fd on_backends;
  EXPECT_NE(listen_in(bed.namespace_of("backends"), "198.18.2.110", 8020, on_backends), "");
}

constexpr int kVrrpProtocol = 112;

// True when a VRRP packet sent from `from` to `to` arrives.
bool vrrp_packet_arrives(const Testbed& bed, const std::string& from, const std::string& to,
                         const std::string& to_address) {
  Fd receiver(socket_in_namespace(bed.namespace_of(to), SOCK_RAW, kVrrpProtocol));
  Fd sender(socket_in_namespace(bed.namespace_of(from), SOCK_RAW, kVrrpProtocol));
  EXPECT_GE(receiver.get(), 0);
  EXPECT_GE(sender.get(), 0);
  sockaddr_in destination = ipv4(to_address, 0);
  const char advert[] = "advert";
  EXPECT_EQ(
      sendto(sender.get(), advert, sizeof advert, 0, reinterpret_cast<sockaddr*>(&destination), sizeof destination),
      static_cast<ssize_t>(sizeof advert));
  pollfd wait{receiver.get(), POLLIN, 0};
  return poll(&wait, 1, 300) == 1;
}

TEST_F(TestbedTest, BlockVrrpDropsAdvertsFromThePeerUntilUnblocked) {
  Testbed& bed = build(seed_spec());
  auto ruleset = [&] {
    return command_output(bed.exec_prefix("node server1"), {find_system_tool("nft"), "list", "ruleset"});
  };
  ASSERT_TRUE(vrrp_packet_arrives(bed, "node server2", "node server1", "198.18.2.14"));

  EXPECT_EQ(bed.block_vrrp("node server1", "198.18.2.15", true), "");
  EXPECT_NE(ruleset().find("ip protocol vrrp ip saddr 198.18.2.15 drop"), std::string::npos) << ruleset();
  EXPECT_FALSE(vrrp_packet_arrives(bed, "node server2", "node server1", "198.18.2.14"));
  EXPECT_TRUE(vrrp_packet_arrives(bed, "backends", "node server1", "198.18.2.14")) << "only the peer is blocked";

  EXPECT_EQ(bed.block_vrrp("node server1", "198.18.2.15", false), "");
  EXPECT_EQ(ruleset().find("198.18.2.15"), std::string::npos) << ruleset();
  EXPECT_TRUE(vrrp_packet_arrives(bed, "node server2", "node server1", "198.18.2.14"));
  EXPECT_EQ(bed.block_vrrp("node server1", "198.18.2.15", false), "") << "unblocking twice is harmless";

  std::string error = bed.block_vrrp("node server1", "server2", true);
  EXPECT_NE(error.find("'server2' is not an IPv4 address"), std::string::npos) << error;
}

TEST_F(TestbedTest, ResetAddressesDropsAVipLeftBehind) {
  Testbed& bed = build(seed_spec());
  auto addresses = [&] {
    return command_output(bed.exec_prefix("node server1"),
                          {find_system_tool("ip"), "-o", "addr", "show", "dev", "eth0"});
  };
  command_output(bed.exec_prefix("node server1"),
                 {find_system_tool("ip"), "addr", "add", "198.18.2.110/32", "dev", "eth0"});
  ASSERT_NE(addresses().find("198.18.2.110/32"), std::string::npos) << addresses();

  EXPECT_EQ(bed.reset_addresses("node server1"), "");
  EXPECT_EQ(addresses().find("198.18.2.110"), std::string::npos) << addresses();
  EXPECT_NE(addresses().find("198.18.2.14/15"), std::string::npos) << addresses();
  Fd listener;
  ASSERT_EQ(listen_in(bed.namespace_of("node server1"), "198.18.2.14", 8020, listener), "");
  EXPECT_EQ(connect_from(bed.namespace_of("backends"), "", "198.18.2.14", 8020, milliseconds(2000)), "");
}

TEST_F(TestbedTest, KillAllSignalsEveryProcessOfTheNamespaceAndTeardownKillsTheRest) {
  Testbed& bed = build(seed_spec());
  auto on_node = sleep_in(bed, "node server1");
  auto on_backends = sleep_in(bed, "backends");
  EXPECT_EQ(bed.pids("node server1"), std::vector<pid_t>{on_node->pid()});

  EXPECT_EQ(bed.kill_all("node server1", SIGTERM), "");
  auto ended = on_node->wait_for_exit(milliseconds(2000));
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->signal, SIGTERM);
  EXPECT_TRUE(bed.pids("node server1").empty());
  EXPECT_FALSE(on_backends->try_wait()) << "another namespace's process is left alone";

  EXPECT_EQ(bed.teardown(), "");
  ended = on_backends->wait_for_exit(milliseconds(2000));
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->signal, SIGKILL);
}

TEST_F(TestbedTest, StaleTestbedsOfDeadOwnersAreRemovedAndLiveOnesKept) {
  process::ChildProcess owner_process({"/bin/sleep", "30"});
  TestbedOwner dead_owner{owner_process.pid(), process_start_time(owner_process.pid()).value_or(0)};
  ASSERT_NE(dead_owner.start_time, 0u);
  Testbed& stale = build({{"node gone", {"198.18.3.1"}, {}, false}}, dead_owner);
  Testbed& live = build({{"node alive", {"198.18.3.2"}, {}, false}});
  auto left_running = sleep_in(stale, "node gone");
  std::string live_name = live.namespace_of("node alive");
  std::string stale_name = stale.namespace_of("node gone");

  std::string error;
  auto removed = remove_stale_testbeds(error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(std::find(removed.begin(), removed.end(), stale_name), removed.end()) << "its owner still lives";

  owner_process.send_signal(SIGKILL);
  ASSERT_TRUE(owner_process.wait_for_exit(milliseconds(2000)));
  removed = remove_stale_testbeds(error);
  EXPECT_EQ(error, "");
  EXPECT_NE(std::find(removed.begin(), removed.end(), stale_name), removed.end()) << joined(removed);
  EXPECT_NE(std::find(removed.begin(), removed.end(), namespace_prefix(dead_owner) + "br"), removed.end());
  EXPECT_EQ(std::find(removed.begin(), removed.end(), live_name), removed.end());
  EXPECT_TRUE(namespace_exists(live_name));
  EXPECT_FALSE(namespace_exists(stale_name));
  auto ended = left_running->wait_for_exit(milliseconds(2000));
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->signal, SIGKILL);
}

TEST_F(TestbedTest, AFailedBuildNamesTheStepAndLeavesNothing) {
  std::string prefix = namespace_prefix(this_process_as_owner());
  std::string error;
  auto bed = Testbed::build({{"clients", {"198.18.7.7"}, {"not-a-range"}, false}}, this_process_as_owner(), error);
  EXPECT_FALSE(bed);
  EXPECT_NE(error.find("setting up clients failed"), std::string::npos) << error;
  EXPECT_NE(error.find("not-a-range"), std::string::npos) << error;
  EXPECT_EQ(joined(namespaces_starting_with(prefix)), "");

  bed = Testbed::build({{"node a", {}, {}, false}, {"node-a", {}, {}, false}}, this_process_as_owner(), error);
  EXPECT_FALSE(bed);
  EXPECT_NE(error.find("already taken"), std::string::npos) << error;
  bed = Testbed::build({{"node a", {"198.18.300.1"}, {}, false}}, this_process_as_owner(), error);
  EXPECT_FALSE(bed);
  EXPECT_NE(error.find("'198.18.300.1' of node a is not an IPv4 address"), std::string::npos) << error;
  EXPECT_EQ(joined(namespaces_starting_with(prefix)), "");
}

}  // namespace wsfo::stack::netns_test
