// The two seed scenarios load with the contents the seeds describe.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/scenario/client_population.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "simulator/live/live_plan.hpp"

namespace {

using namespace wsfo::scenario;

Scenario load_seed(const std::string& name) {
  auto loaded = load_scenario_file(std::string(WSFO_SOURCE_DIR) + "/scenarios/" + name);
  std::string problems;
  for (const auto& p : loaded.problems.list()) problems += wsfo::json::format(p) + "\n";
  EXPECT_TRUE(loaded.scenario.has_value()) << problems;
  return loaded.scenario.value_or(Scenario{});
}

TEST(ScenarioSeed, MshaCutoverUnitsDomainAndRules) {
  Scenario s = load_seed("seed-msha-cutover.json");
  ASSERT_EQ(s.units.size(), 2u);
  EXPECT_EQ(s.units[0].name, "center");
  EXPECT_EQ(s.units[0].label, "hangzhou");
  EXPECT_EQ(s.units[0].subdomain, "center.websocket.msha.tech");
  EXPECT_EQ(s.units[1].name, "unbj");
  EXPECT_EQ(s.units[1].label, "beijing");
  EXPECT_EQ(s.units[1].subdomain, "unbj.websocket.msha.tech");
  EXPECT_EQ(s.domain.name, "websocket.msha.tech");
  EXPECT_EQ(s.domain.cname, "unbj");
  EXPECT_EQ(s.gateway.correction, Correction::redirect);
  EXPECT_EQ(s.gateway.router_id.missing.kind, MissingRouterIdPolicy::Kind::local);
  EXPECT_EQ(s.rules.version(), 1u);
  EXPECT_EQ(s.rules.unit_of_slot(5997), "center");
  EXPECT_EQ(s.rules.unit_of_slot(5998), "unbj");
  EXPECT_EQ(s.rules.unit_of_slot(9999), "unbj");
}

TEST(ScenarioSeed, MshaCutoverTimelineExpectsSlots5998To6380ToLandInCenter) {
  Scenario s = load_seed("seed-msha-cutover.json");
  ASSERT_FALSE(s.timeline.empty());
  const auto* cutover = std::get_if<Cutover>(&s.timeline[0].action);
  ASSERT_NE(cutover, nullptr);
  EXPECT_TRUE(cutover->fence);
  EXPECT_EQ(cutover->rules.version(), 2u);
  EXPECT_EQ(cutover->rules.unit_of_slot(6380), "center");
  EXPECT_EQ(cutover->rules.unit_of_slot(6381), "unbj");
  const Expectation& expect = s.timeline[0].expect;
  ASSERT_TRUE(expect.disconnected.has_value());
  const auto* slots = std::get_if<DisconnectSlots>(&*expect.disconnected);
  ASSERT_NE(slots, nullptr);
  EXPECT_EQ(slots->spans, (std::vector<SlotSpan>{{5998, 6380}}));
  EXPECT_EQ(expect.land_in, "center");
  EXPECT_TRUE(expect.no_dual_service);
  EXPECT_LE(s.timeline.back().at, s.duration);
}

TEST(ScenarioSeed, MshaPopulationHoldsTheSeedClientsAndSpreadsOverAllSlots) {
  Scenario s = load_seed("seed-msha-cutover.json");
  auto population = expand_population(s);
  std::set<std::uint64_t> ids;
  for (const auto& m : population) ids.insert(m.router_id);
  EXPECT_EQ(ids.size(), population.size()) << "routerIds are distinct";
  for (std::uint64_t seed_client : {1111u, 6249u, 8330u}) EXPECT_TRUE(ids.count(seed_client)) << seed_client;
  EXPECT_GE(population.size(), 3003u);
  // Every tenth of the slot space holds clients, and so does the range that moves.
  std::vector<int> per_tenth(10, 0);
  int moving = 0;
  for (std::uint64_t id : ids) {
    std::uint32_t slot = wsfo::routing::slot_of(id);
    ++per_tenth[slot / 1000];
    if (slot >= 5998 && slot <= 6380) ++moving;
  }
  for (int tenth = 0; tenth < 10; ++tenth) EXPECT_GE(per_tenth[tenth], 200) << "slots " << tenth * 1000 << "+";
  EXPECT_GE(moving, 50);
}

// Announced to every client, 3203 clients would cost O(clients^2) messages
// while they connect; the seed's backends tell only the new client.
TEST(ScenarioSeed, MshaBackendsAnnounceToTheNewClientOnly) {
  Scenario s = load_seed("seed-msha-cutover.json");
  ASSERT_EQ(s.units.size(), 2u);
  for (const Unit& unit : s.units) {
    ASSERT_FALSE(unit.backends.empty());
    for (const Backend& backend : unit.backends) {
      EXPECT_FALSE(backend.announce_to_all) << backend.name;
      auto args = wsfo::live::backend_plan(s, unit.name, backend, "/run").process.args;
      auto flag = std::find(args.begin(), args.end(), "--announce");
      ASSERT_NE(flag, args.end()) << backend.name;
      ASSERT_NE(flag + 1, args.end());
      EXPECT_EQ(*(flag + 1), "self");
    }
  }
  // Without the key a backend announces to all, as the seed's app does.
  Scenario keepalived = load_seed("seed-keepalived-ha.json");
  ASSERT_EQ(keepalived.units.size(), 1u);
  for (const Backend& backend : keepalived.units[0].backends) {
    EXPECT_TRUE(backend.announce_to_all) << backend.name;
    auto args = wsfo::live::backend_plan(keepalived, keepalived.units[0].name, backend, "/run").process.args;
    EXPECT_EQ(std::find(args.begin(), args.end(), "--announce"), args.end());
  }
}

// The live clients get the group's reconnect policy whole, jitter fraction
// included (without it `wsfo clients` would use full jitter, unlike the sim).
TEST(ScenarioSeed, MshaFleetClientsGetTheirBackoffWithItsJitter) {
  Scenario s = load_seed("seed-msha-cutover.json");
  auto plan = wsfo::live::make_live_plan(s, "/tmp/plan-test");
  std::map<std::string, std::string> reconnect;
  for (const auto& clients : plan.clients) {
    const auto& args = clients.process.args;
    auto flag = std::find(args.begin(), args.end(), "--reconnect");
    ASSERT_NE(flag, args.end()) << clients.group;
    ASSERT_NE(flag + 1, args.end());
    reconnect[clients.group] = *(flag + 1);
  }
  EXPECT_EQ(reconnect["fleet"], "backoff:base=500ms,cap=8s,jitter=0.2");
  EXPECT_EQ(reconnect["seed-clients"], "fixed:1500ms");
}

TEST(ScenarioSeed, KeepalivedDualMasterVips) {
  Scenario s = load_seed("seed-keepalived-ha.json");
  ASSERT_EQ(s.units.size(), 1u);
  const Unit& lb = s.units[0];
  ASSERT_EQ(lb.nodes.size(), 2u);
  EXPECT_EQ(lb.backends.size(), 3u);
  const Vip* vip110 = s.find_vip("vip-110");
  const Vip* vip112 = s.find_vip("vip-112");
  ASSERT_TRUE(vip110 && vip112);
  EXPECT_EQ(vip110->address, "127.0.2.110");
  EXPECT_EQ(vip110->vrid, 51);
  EXPECT_EQ(vip110->priorities, (std::vector<VipPriority>{{"server2", 100}, {"server1", 50}}));
  EXPECT_EQ(vip112->address, "127.0.2.112");
  EXPECT_EQ(vip112->vrid, 52);
  EXPECT_EQ(vip112->priorities, (std::vector<VipPriority>{{"server1", 100}, {"server2", 50}}));
  for (const Vip* vip : {vip110, vip112}) {
    EXPECT_EQ(vip->advert_interval, std::chrono::seconds(1));
    ASSERT_TRUE(vip->track_gateway.has_value());
    EXPECT_EQ(vip->track_gateway->interval, std::chrono::seconds(2));
  }
}

TEST(ScenarioSeed, KeepalivedTimeline) {
  Scenario s = load_seed("seed-keepalived-ha.json");
  std::vector<std::string> actions;
  for (const auto& e : s.timeline) actions.push_back(action_name(e.action));
  EXPECT_EQ(actions, (std::vector<std::string>{"stop-gateway", "start-gateway", "power-off", "backend-add", "clients-add"}));
  EXPECT_EQ(std::get<StopGateway>(s.timeline[0].action).node, "server1");
  EXPECT_EQ(std::get<PowerOff>(s.timeline[2].action).node, "server1");
  const auto& add = std::get<BackendAdd>(s.timeline[3].action);
  EXPECT_EQ(add.unit, "lb");
  EXPECT_EQ(add.backend.port, 8030);
  ASSERT_FALSE(s.timeline[0].expect.vips.empty());
  EXPECT_EQ(s.timeline[0].expect.vips[0].holder, "server2");
  EXPECT_TRUE(std::holds_alternative<DisconnectNone>(*s.timeline[3].expect.disconnected));
  // Issue 6: clients that connect after the reload reach the added backend.
  EXPECT_EQ(std::get<ClientsAdd>(s.timeline[4].action).group, "after-reload");
  EXPECT_EQ(s.timeline[4].expect.reach_backends, std::vector<std::string>{"app18-8030"});
}

// Backends of one unit share its label; each live backend sends its own
// scenario name in X-Wsfo-Backend so reach_backends can tell them apart.
TEST(ScenarioSeed, LiveBackendsAreStartedWithTheirScenarioName) {
  Scenario s = load_seed("seed-keepalived-ha.json");
  for (const Backend& backend : s.units[0].backends) {
    auto args = wsfo::live::backend_plan(s, s.units[0].name, backend, "/run").process.args;
    auto flag = std::find(args.begin(), args.end(), "--name");
    ASSERT_NE(flag, args.end()) << backend.name;
    ASSERT_NE(flag + 1, args.end());
    EXPECT_EQ(*(flag + 1), backend.name);
  }
}

}  // namespace
