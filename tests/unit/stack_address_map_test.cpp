// The real-stack testbed's address map: every address a scenario names moves
// into 198.18.0.0/15, one to one, and anything that is not loopback is refused.
#include <gtest/gtest.h>

#include <set>

#include "core/stack/address_map.hpp"
#include "tests/unit/test_scenarios.hpp"

namespace wsfo::stack::address_map_test {

scenario::Scenario one_node_scenario(const std::string& node_address, const std::string& backend_address) {
  scenario::Scenario result;
  scenario::Unit unit;
  unit.name = "lb";
  unit.nodes.push_back({"server1", node_address, 8020, 9020});
  scenario::Backend backend;
  backend.name = "app16";
  backend.address = backend_address;
  backend.port = 8010;
  unit.backends.push_back(backend);
  result.units.push_back(unit);
  return result;
}

AddressMap must_map(const scenario::Scenario& scenario) {
  std::string error;
  auto map = AddressMap::for_scenario(scenario, error);
  EXPECT_TRUE(map) << error;
  return map ? *map : AddressMap{};
}

void expect_one_to_one(const AddressMap& map) {
  std::set<std::string> mapped;
  for (const auto& entry : map.entries()) {
    EXPECT_TRUE(mapped.insert(entry.mapped).second) << entry.mapped << " is given twice";
    EXPECT_TRUE(entry.mapped.rfind("198.18.", 0) == 0 || entry.mapped.rfind("198.19.", 0) == 0) << entry.mapped;
  }
}

TEST(StackAddressMap, SeedKeepalivedKeepsTheLastTwoOctets) {
  auto map = must_map(test::load_project_scenario("seed-keepalived-ha.json"));
  EXPECT_EQ(map.map("127.0.2.14"), "198.18.2.14");
  EXPECT_EQ(map.map("127.0.2.110"), "198.18.2.110");
  EXPECT_EQ(map.map("127.0.2.18"), "198.18.2.18");
  std::string roles;
  for (const auto& entry : map.entries()) roles += entry.role + ";";
  EXPECT_NE(roles.find("node server1;"), std::string::npos) << roles;
  EXPECT_NE(roles.find("vip vip-110;"), std::string::npos) << roles;
  EXPECT_NE(roles.find("backend app16;"), std::string::npos) << roles;
  // Named only by the URLs, which point at VIPs: the VIPs keep their role.
  EXPECT_EQ(roles.find("client group"), std::string::npos) << roles;
  EXPECT_EQ(map.entries().size(), 7u) << map.describe();  // 2 nodes, 2 VIPs, 3 backends (app18-8030 shares app18's)
  expect_one_to_one(map);
}

TEST(StackAddressMap, EveryRegressionScenarioMapsOneToOne) {
  for (const char* name : {"regression/backend-add.json", "regression/keepalived-ha.json", "regression/node-kill.json",
                           "regression/fenced-cutover.json", "seed-msha-cutover.json"}) {
    SCOPED_TRACE(name);
    auto scenario = test::load_project_scenario(name);
    auto map = must_map(scenario);
    expect_one_to_one(map);
    for (const auto& unit : scenario.units)
      for (const auto& node : unit.nodes) EXPECT_TRUE(map.find(node.address)) << node.address;
  }
}

TEST(StackAddressMap, BackendAddedByTheTimelineIsMapped) {
  auto scenario = one_node_scenario("127.0.2.14", "127.0.2.16");
  scenario::BackendAdd add;
  add.unit = "lb";
  add.backend.name = "app19";
  add.backend.address = "127.0.2.19";
  scenario.timeline.push_back({std::chrono::seconds(5), add, {}});
  auto map = must_map(scenario);
  EXPECT_EQ(map.map("127.0.2.19"), "198.18.2.19");
  EXPECT_EQ(map.entries().back().role, "backend app19");
}

TEST(StackAddressMap, OtherLoopbackNetworksAreAllocatedInAddressOrder) {
  auto scenario = one_node_scenario("127.45.2.1", "127.45.1.21");
  scenario.units[0].vips.push_back({});
  scenario.units[0].vips[0].name = "vip-a";
  scenario.units[0].vips[0].address = "127.9.0.0";
  scenario::ClientGroup group;
  group.name = "x";
  group.address = "127.0.7.7";
  group.url.host = "127.45.2.1";
  scenario.clients.push_back(group);
  auto map = must_map(scenario);
  ASSERT_EQ(map.entries().size(), 4u) << map.describe();
  // Sorted by numeric address: 127.9 before 127.45, and 127.0.x keeps its octets.
  EXPECT_EQ(map.entries()[0].loopback, "127.0.7.7");
  EXPECT_EQ(map.entries()[0].mapped, "198.18.7.7");
  EXPECT_EQ(map.entries()[0].role, "client group x");
  EXPECT_EQ(map.map("127.9.0.0"), "198.19.0.1");  // .0 is skipped
  EXPECT_EQ(map.map("127.45.1.21"), "198.19.0.2");
  EXPECT_EQ(map.map("127.45.2.1"), "198.19.0.3");
  EXPECT_EQ(map.entries()[3].role, "node server1");  // not the URL that points at it
  expect_one_to_one(map);
}

TEST(StackAddressMap, AllocationSkipsBroadcastLikeLastOctets) {
  auto scenario = one_node_scenario("127.1.0.1", "127.1.0.2");
  for (int i = 0; i < 300; ++i) {
    scenario::Backend backend;
    backend.name = "b" + std::to_string(i);
    backend.address = "127.1.1." + std::to_string(i % 256);
    if (i >= 256) backend.address = "127.1.2." + std::to_string(i - 256);
    scenario.units[0].backends.push_back(backend);
  }
  auto map = must_map(scenario);
  for (const auto& entry : map.entries()) {
    std::string last = entry.mapped.substr(entry.mapped.rfind('.') + 1);
    EXPECT_NE(last, "0") << entry.mapped;
    EXPECT_NE(last, "255") << entry.mapped;
  }
  // 127.1.0.1 and 127.1.0.2 take .1 and .2, so 127.1.1.k takes .(k + 3) up to .254.
  EXPECT_EQ(map.map("127.1.1.251"), "198.19.0.254");
  EXPECT_EQ(map.map("127.1.1.252"), "198.19.1.1");
  expect_one_to_one(map);
}

TEST(StackAddressMap, NonLoopbackAddressIsRefusedNamingItsRole) {
  std::string error;
  EXPECT_FALSE(AddressMap::for_scenario(one_node_scenario("127.0.2.14", "10.0.2.16"), error));
  EXPECT_NE(error.find("10.0.2.16"), std::string::npos) << error;
  EXPECT_NE(error.find("backend app16"), std::string::npos) << error;

  auto scenario = one_node_scenario("127.0.2.14", "127.0.2.16");
  scenario::ClientGroup group;
  group.name = "outside";
  group.url.host = "192.0.2.1";
  scenario.clients.push_back(group);
  error.clear();
  EXPECT_FALSE(AddressMap::for_scenario(scenario, error));
  EXPECT_NE(error.find("192.0.2.1 (client group outside)"), std::string::npos) << error;
}

TEST(StackAddressMap, DnsNameHostsAreLeftToTheNameMap) {
  auto scenario = one_node_scenario("127.0.2.14", "127.0.2.16");
  scenario::ClientGroup group;
  group.name = "by-name";
  group.url.host = "ws.example.test";
  scenario.clients.push_back(group);
  auto map = must_map(scenario);
  EXPECT_EQ(map.entries().size(), 2u);
  EXPECT_EQ(map.map_url("ws://ws.example.test:8020/x"), "ws://ws.example.test:8020/x");
}

TEST(StackAddressMap, UrlsEndpointsAndUnknownAddresses) {
  auto map = must_map(test::load_project_scenario("seed-keepalived-ha.json"));
  EXPECT_EQ(map.map_url("ws://127.0.2.110:8020/x"), "ws://198.18.2.110:8020/x");
  EXPECT_EQ(map.map_url("ws://127.0.2.110/x?a=1"), "ws://198.18.2.110/x?a=1");
  EXPECT_EQ(map.map_url("ws://127.0.2.110"), "ws://198.18.2.110");
  EXPECT_EQ(map.map_endpoint("127.0.2.16:8010"), "198.18.2.16:8010");
  EXPECT_EQ(map.map("127.0.9.9"), "127.0.9.9");
  EXPECT_FALSE(map.find("127.0.9.9"));
  EXPECT_FALSE(map.find("not an address"));
  EXPECT_EQ(map.map_endpoint("127.0.9.9:1"), "127.0.9.9:1");
}

TEST(StackAddressMap, ClientsSourceNetsStayOutOfTheAllocatedHalf) {
  EXPECT_EQ(AddressMap::clients_source_net(0), "198.19.128.0/24");
  EXPECT_EQ(AddressMap::clients_source_net(99), "198.19.227.0/24");
  EXPECT_EQ(AddressMap::clients_source_net(100), "198.19.128.0/24");
}

TEST(StackAddressMap, DescribeAndJsonListEveryEntry) {
  auto map = must_map(one_node_scenario("127.0.2.14", "127.0.2.16"));
  EXPECT_EQ(map.describe(),
            "127.0.2.14 -> 198.18.2.14      node server1\n"
            "127.0.2.16 -> 198.18.2.16      backend app16\n");
  auto json = map.to_json();
  EXPECT_EQ(json["prefix_length"], 15);
  ASSERT_EQ(json["addresses"].size(), 2u);
  EXPECT_EQ(json["addresses"][1]["mapped"], "198.18.2.16");
  EXPECT_EQ(json["addresses"][1]["role"], "backend app16");
}

}  // namespace wsfo::stack::address_map_test
