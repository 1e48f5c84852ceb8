// The VRRP agent's config section: strict reading with JSON pointers, the
// round trip through to_json, and the config built from a scenario node.
#include <gtest/gtest.h>

#include "core/scenario/scenario_loader.hpp"
#include "core/vrrp/agent_config.hpp"

namespace {

using namespace wsfo;
using namespace std::chrono_literals;
using json::Json;

Json minimal_instance() {
  return Json::parse(R"({"name": "vip-112", "vrid": 52, "vips": [{"address": "127.0.2.112", "port": 8020}],
                         "priority": 100, "peers": ["127.0.2.15"]})");
}

Json minimal_config() {
  return {{"node", "server1"}, {"address", "127.0.2.14"}, {"instances", Json::array({minimal_instance()})}};
}

std::string problems_text(const json::Problems& problems) {
  std::string text;
  for (const auto& problem : problems.list()) text += json::format(problem) + "\n";
  return text;
}

TEST(VrrpAgentConfig, MinimalConfigGetsKeepalivedDefaults) {
  json::Problems problems;
  auto config = vrrp::read_agent_config(minimal_config(), "", problems);
  ASSERT_TRUE(config) << problems_text(problems);
  EXPECT_EQ(config->node, "server1");
  EXPECT_EQ(config->address, "127.0.2.14");
  EXPECT_EQ(config->advert_port, vrrp::kDefaultAdvertPort);
  ASSERT_EQ(config->instances.size(), 1u);
  const auto& instance = config->instances[0];
  EXPECT_EQ(instance.name, "vip-112");
  EXPECT_EQ(instance.vrid, 52);
  EXPECT_EQ(instance.vips, (std::vector<vrrp::VipAddress>{{"127.0.2.112", 8020}}));
  EXPECT_EQ(instance.priority, 100);
  EXPECT_EQ(instance.advert_interval, 1s);
  EXPECT_TRUE(instance.preempt);
  EXPECT_EQ(instance.preempt_delay, 0s);
  EXPECT_EQ(instance.variant, vrrp::Variant::keepalived_v2);
  EXPECT_EQ(instance.peers, (std::vector<std::string>{"127.0.2.15"}));
  EXPECT_FALSE(instance.track);
}

TEST(VrrpAgentConfig, EveryKeyIsReadAndSurvivesTheRoundTrip) {
  Json document = minimal_config();
  document["advert_port"] = 11985;
  Json& instance = document["instances"][0];
  instance["advert_int"] = "250ms";
  instance["preempt"] = false;
  instance["preempt_delay"] = "5s";
  instance["variant"] = "rfc5798";
  instance["track"] = {{"interval", "2s"}, {"fall", 2}, {"rise", 3}, {"weight", -60}};
  json::Problems problems;
  auto config = vrrp::read_agent_config(document, "", problems);
  ASSERT_TRUE(config) << problems_text(problems);
  EXPECT_EQ(config->advert_port, 11985);
  const auto& read = config->instances[0];
  EXPECT_EQ(read.advert_interval, 250ms);
  EXPECT_FALSE(read.preempt);
  EXPECT_EQ(read.preempt_delay, 5s);
  EXPECT_EQ(read.variant, vrrp::Variant::rfc5798);
  ASSERT_TRUE(read.track);
  EXPECT_EQ(*read.track, (vrrp::AgentTrack{2s, 2, 3, -60}));

  json::Problems again;
  auto round_trip = vrrp::read_agent_config(vrrp::to_json(*config), "", again);
  ASSERT_TRUE(round_trip) << problems_text(again);
  EXPECT_EQ(*round_trip, *config);

  const auto machine = vrrp::to_instance_config(*config, read);
  EXPECT_EQ(machine.address, 0x7F00020Eu);
  EXPECT_EQ(machine.vrid, 52);
  ASSERT_TRUE(machine.track);
  EXPECT_EQ(machine.track->weight, -60);
  EXPECT_TRUE(vrrp::validate(machine).empty());
}

struct MalformedCase {
  const char* what;
  std::function<void(Json&)> edit;
  std::string pointer;
  std::string message;
};

class VrrpAgentConfigMalformed : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(VrrpAgentConfigMalformed, NamesThePointerAndTheProblem) {
  const MalformedCase& c = GetParam();
  Json document = minimal_config();
  c.edit(document);
  json::Problems problems;
  auto config = vrrp::read_agent_config(document, "/vrrp", problems);
  EXPECT_FALSE(config);
  ASSERT_EQ(problems.list().size(), 1u) << problems_text(problems);
  EXPECT_EQ(problems.list()[0].pointer, c.pointer);
  EXPECT_EQ(problems.list()[0].message, c.message);
}

Json& first(Json& document) { return document["instances"][0]; }

INSTANTIATE_TEST_SUITE_P(
    Table, VrrpAgentConfigMalformed,
    ::testing::Values(
        MalformedCase{"unknown top key", [](Json& d) { d["advert_prt"] = 1; }, "/vrrp/advert_prt",
                      "unknown key 'advert_prt'"},
        MalformedCase{"missing node", [](Json& d) { d.erase("node"); }, "/vrrp/node",
                      "missing required key, expected a string"},
        MalformedCase{"empty node", [](Json& d) { d["node"] = ""; }, "/vrrp/node", "expected a non-empty string"},
        MalformedCase{"bad own address", [](Json& d) { d["address"] = "127.0.2.014"; }, "/vrrp/address",
                      "expected a dotted-quad IPv4 address, got \"127.0.2.014\""},
        MalformedCase{"port 0", [](Json& d) { d["advert_port"] = 0; }, "/vrrp/advert_port",
                      "expected an integer in [1, 65535], got 0"},
        MalformedCase{"no instances", [](Json& d) { d["instances"] = Json::array(); }, "/vrrp/instances",
                      "expected at least one instance"},
        MalformedCase{"instances not an array", [](Json& d) { d["instances"] = Json::object(); }, "/vrrp/instances",
                      "expected an array, got an object"},
        MalformedCase{"unknown instance key", [](Json& d) { first(d)["priorty"] = 100; }, "/vrrp/instances/0/priorty",
                      "unknown key 'priorty'"},
        MalformedCase{"vrid 0", [](Json& d) { first(d)["vrid"] = 0; }, "/vrrp/instances/0/vrid",
                      "expected an integer in [1, 255], got 0"},
        MalformedCase{"priority 256", [](Json& d) { first(d)["priority"] = 256; }, "/vrrp/instances/0/priority",
                      "expected an integer in [1, 255], got 256"},
        MalformedCase{"advert_int not a duration", [](Json& d) { first(d)["advert_int"] = 1; },
                      "/vrrp/instances/0/advert_int",
                      "expected a duration such as \"1500ms\" or \"3s\", got an integer"},
        MalformedCase{"fractional VRRPv2 advert_int", [](Json& d) { first(d)["advert_int"] = "1500ms"; },
                      "/vrrp/instances/0/advert_int", "advert_int 1.5000 s must be whole seconds 1-255 under VRRPv2"},
        MalformedCase{"VRRPv3 advert_int below a centisecond",
                      [](Json& d) {
                        first(d)["variant"] = "rfc5798";
                        first(d)["advert_int"] = "1005ms";
                      },
                      "/vrrp/instances/0/advert_int",
                      "advert_int 1.0050 s is not a whole number of centiseconds (VRRPv3)"},
        MalformedCase{"unknown variant", [](Json& d) { first(d)["variant"] = "vrrpv2"; }, "/vrrp/instances/0/variant",
                      "expected one of \"rfc5798\", \"keepalived_v2\", got \"vrrpv2\""},
        MalformedCase{"no vips", [](Json& d) { first(d)["vips"] = Json::array(); }, "/vrrp/instances/0/vips",
                      "expected at least one VIP"},
        MalformedCase{"vip without port", [](Json& d) { first(d)["vips"][0].erase("port"); },
                      "/vrrp/instances/0/vips/0/port", "missing required key, expected an integer"},
        MalformedCase{"vip host name", [](Json& d) { first(d)["vips"][0]["address"] = "lb.test"; },
                      "/vrrp/instances/0/vips/0/address", "expected a dotted-quad IPv4 address, got \"lb.test\""},
        MalformedCase{"missing peers", [](Json& d) { first(d).erase("peers"); }, "/vrrp/instances/0/peers",
                      "missing required key, expected an array"},
        MalformedCase{"peer is a number", [](Json& d) { first(d)["peers"] = Json::array({15}); },
                      "/vrrp/instances/0/peers/0", "expected a dotted-quad IPv4 address, got 15"},
        MalformedCase{"peer is ourselves", [](Json& d) { first(d)["peers"] = Json::array({"127.0.2.14"}); },
                      "/vrrp/instances/0/peers/0", "peer 127.0.2.14 is this node's own address"},
        MalformedCase{"peer twice",
                      [](Json& d) {
                        first(d)["peers"] = Json::array({"127.0.2.15", "127.0.2.15"});
                      },
                      "/vrrp/instances/0/peers/1", "peer 127.0.2.15 is listed twice"},
        MalformedCase{"track without interval",
                      [](Json& d) {
                        first(d)["track"] = {{"weight", 0}};
                      },
                      "/vrrp/instances/0/track/interval",
                      "missing required key, expected a duration such as \"1500ms\" or \"3s\""},
        MalformedCase{"track interval 0",
                      [](Json& d) {
                        first(d)["track"] = {{"interval", "0s"}};
                      },
                      "/vrrp/instances/0/track/interval", "expected a positive duration, got \"0s\""},
        MalformedCase{"track fall 0",
                      [](Json& d) {
                        first(d)["track"] = {{"interval", "2s"}, {"fall", 0}};
                      },
                      "/vrrp/instances/0/track/fall", "expected an integer in [1, 1000], got 0"},
        MalformedCase{"track weight 255",
                      [](Json& d) {
                        first(d)["track"] = {{"interval", "2s"}, {"weight", 255}};
                      },
                      "/vrrp/instances/0/track/weight", "expected an integer in [-254, 254], got 255"},
        MalformedCase{"duplicate vrid",
                      [](Json& d) {
                        Json second = minimal_instance();
                        second["name"] = "vip-110";
                        d["instances"].push_back(second);
                      },
                      "/vrrp/instances/1/vrid", "vrid 52 is already used by /vrrp/instances/0"},
        MalformedCase{"duplicate name",
                      [](Json& d) {
                        Json second = minimal_instance();
                        second["vrid"] = 51;
                        d["instances"].push_back(second);
                      },
                      "/vrrp/instances/1/name", "instance name \"vip-112\" is already used by /vrrp/instances/0"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) {
      std::string name = info.param.what;
      for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return name;
    });

TEST(VrrpAgentConfig, NotAnObjectIsOneProblemAtTheRoot) {
  json::Problems problems;
  EXPECT_FALSE(vrrp::read_agent_config(Json::array(), "/vrrp", problems));
  ASSERT_EQ(problems.list().size(), 1u);
  EXPECT_EQ(json::format(problems.list()[0]), "/vrrp: expected an object, got an array");
}

scenario::Scenario keepalived_seed() {
  auto loaded = scenario::load_scenario_file(std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-keepalived-ha.json");
  EXPECT_TRUE(loaded.scenario) << (loaded.problems.empty() ? "" : json::format(loaded.problems.list()[0]));
  return loaded.scenario.value_or(scenario::Scenario{});
}

TEST(VrrpAgentConfig, BuiltFromTheKeepalivedSeedForServer1) {
  std::string error;
  auto config = vrrp::agent_config_for_node(keepalived_seed(), "server1", error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->node, "server1");
  EXPECT_EQ(config->address, "127.0.2.14");
  EXPECT_EQ(config->advert_port, vrrp::kDefaultAdvertPort);
  ASSERT_EQ(config->instances.size(), 2u);
  const auto& vip110 = config->instances[0];
  EXPECT_EQ(vip110.name, "vip-110");
  EXPECT_EQ(vip110.vrid, 51);
  EXPECT_EQ(vip110.priority, 50);
  EXPECT_EQ(vip110.vips, (std::vector<vrrp::VipAddress>{{"127.0.2.110", 8020}}));
  const auto& vip112 = config->instances[1];
  EXPECT_EQ(vip112.name, "vip-112");
  EXPECT_EQ(vip112.vrid, 52);
  EXPECT_EQ(vip112.priority, 100);
  EXPECT_EQ(vip112.vips, (std::vector<vrrp::VipAddress>{{"127.0.2.112", 8020}}));
  for (const auto& instance : config->instances) {
    EXPECT_EQ(instance.peers, (std::vector<std::string>{"127.0.2.15"}));
    EXPECT_EQ(instance.advert_interval, 1s);
    EXPECT_TRUE(instance.preempt);
    EXPECT_EQ(instance.variant, vrrp::Variant::keepalived_v2);
    ASSERT_TRUE(instance.track);
    EXPECT_EQ(*instance.track, (vrrp::AgentTrack{2s, 1, 1, 0}));
  }
  // What the live runner embeds under "vrrp" reads back as the same config.
  json::Problems problems;
  auto read = vrrp::read_agent_config(vrrp::to_json(*config), "/vrrp", problems);
  ASSERT_TRUE(read) << problems_text(problems);
  EXPECT_EQ(*read, *config);
}

TEST(VrrpAgentConfig, BuiltForServer2WithAnotherAdvertPort) {
  std::string error;
  auto config = vrrp::agent_config_for_node(keepalived_seed(), "server2", error, 11985);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->advert_port, 11985);
  ASSERT_EQ(config->instances.size(), 2u);
  EXPECT_EQ(config->instances[0].priority, 100);
  EXPECT_EQ(config->instances[1].priority, 50);
  EXPECT_EQ(config->instances[0].peers, (std::vector<std::string>{"127.0.2.14"}));
}

TEST(VrrpAgentConfig, UnknownNodeIsAnError) {
  std::string error;
  EXPECT_FALSE(vrrp::agent_config_for_node(keepalived_seed(), "server3", error));
  EXPECT_EQ(error, "the scenario has no node \"server3\"");
}

}  // namespace
