// The descriptor arithmetic a live run is refused with: 2 per relayed
// connection on a gateway, a second pair on the far node for a proxied one,
// 1 per connection on a backend, plus reserves; a killed node's clients spread
// over the rest of its unit; the worst moment of the timeline counts.
#include "core/run/descriptor_budget.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/scenario/scenario_loader.hpp"
#include "test_scenarios.hpp"

namespace descriptor_budget_test {

using namespace wsfo;
using json::Json;
using run::DescriptorNeed;

// Two units, `center_nodes` + 1 nodes, no VIPs, 2 backends each; 10,000
// clients with routerIds 0-9999 (one per slot): 5998 belong to center
// (slots 0-5997), 4002 to unbj, the domain's unit.
Json two_units(int center_nodes) {
  Json center_nodes_json = Json::array();
  for (int i = 1; i <= center_nodes; ++i)
    center_nodes_json.push_back({{"name", "center-gw" + std::to_string(i)},
                                 {"address", "127.0.10." + std::to_string(i)},
                                 {"port", 8020},
                                 {"admin_port", 9020}});
  auto backends = [](const std::string& unit, const std::string& net) {
    return Json::array({{{"name", unit + "-app1"}, {"address", net + ".21"}, {"port", 8010}},
                        {{"name", unit + "-app2"}, {"address", net + ".22"}, {"port", 8010}}});
  };
  auto routes = [](const std::string& unit) {
    return Json::array({{{"prefix", "/"}, {"backends", {unit + "-app1", unit + "-app2"}}}});
  };
  return {
      {"name", "budget"},
      {"duration", "60s"},
      {"units",
       {{{"name", "center"},
         {"label", "hangzhou"},
         {"subdomain", "center.example"},
         {"public_url", "ws://center.example:8020"},
         {"nodes", center_nodes_json},
         {"backends", backends("center", "127.0.10")},
         {"routes", routes("center")}},
        {{"name", "unbj"},
         {"label", "beijing"},
         {"subdomain", "unbj.example"},
         {"public_url", "ws://unbj.example:8020"},
         {"nodes", {{{"name", "unbj-gw1"}, {"address", "127.0.20.1"}, {"port", 8020}, {"admin_port", 9020}}}},
         {"backends", backends("unbj", "127.0.20")},
         {"routes", routes("unbj")}}}},
      {"domain", {{"name", "ws.example"}, {"cname", "unbj"}}},
      {"rules",
       {{"version", 1},
        {"modulus", 10000},
        {"ranges",
         {{{"from", 0}, {"to", 5997}, {"unit", "center"}}, {{"from", 5998}, {"to", 9999}, {"unit", "unbj"}}}}}},
      {"clients",
       {{{"name", "fleet"}, {"router_ids", {{"from", 0}, {"to", 9999}}}, {"url", "ws://ws.example:8020/ws"}}}},
      {"timeline", Json::array()},
  };
}

scenario::Scenario read(const Json& document) {
  json::Problems problems;
  auto s = scenario::read_scenario(document, problems);
  EXPECT_TRUE(s) << (problems.empty() ? "" : json::format(problems.list().front()));
  return s ? *s : scenario::Scenario{};
}

const DescriptorNeed& peak(const run::DescriptorBudget& budget, const std::string& process) {
  for (const auto& need : budget.peaks)
    if (need.process == process) return need;
  ADD_FAILURE() << "no need for " << process;
  static DescriptorNeed none;
  return none;
}

// The 4-standard-deviation bound of a binomial share, as the header states it.
std::size_t spread(double clients, double p) {
  return static_cast<std::size_t>(std::ceil(clients * p + 4 * std::sqrt(clients * p * (1 - p))));
}

TEST(DescriptorBudget, OneNodePerUnitRelaysItsUnitsClientsAtTwoDescriptorsEach) {
  auto budget = run::descriptor_budget(read(two_units(1)), 20000);
  const DescriptorNeed& center = peak(budget, "center-gw1");
  EXPECT_EQ(center.connections, 5998u);  // redirected from unbj: all of them reach center's one node
  EXPECT_EQ(center.proxied_in, 0u);
  EXPECT_EQ(center.reserve, 66u);  // 64 + its listener + its admin listener
  EXPECT_EQ(center.needed(), 2 * 5998u + 66);
  EXPECT_EQ(center.moment, "at the start");
  EXPECT_EQ(peak(budget, "unbj-gw1").connections, 4002u);
  // Two backends in round robin: half each, plus the spread margin.
  const DescriptorNeed& app = peak(budget, "center-app1");
  EXPECT_EQ(app.connections, spread(5998, 0.5));
  EXPECT_EQ(app.connections, 3154u);
  EXPECT_EQ(app.needed(), 3154u + 32);
  EXPECT_FALSE(budget.over);
  EXPECT_EQ(run::refusal(budget), "");
  EXPECT_EQ(budget.worst(DescriptorNeed::Kind::gateway)->process, "center-gw1");
}

// The same scenario with "tls": true and every URL wss://.
void over_tls(Json& document) {
  document["tls"] = true;
  for (auto& unit : document["units"]) {
    std::string url = unit["public_url"];
    unit["public_url"] = "wss" + url.substr(2);
  }
  document["clients"][0]["url"] = "wss://ws.example:8020/ws";
}

// Over TLS a client's connection also holds the gateway's TLS front
// socketpair: 4 descriptors, and the refusal's arithmetic says so.
TEST(DescriptorBudget, ATlsConnectionCostsFourDescriptorsOnItsGateway) {
  Json document = two_units(1);
  over_tls(document);
  auto budget = run::descriptor_budget(read(document), 20000);
  const DescriptorNeed& center = peak(budget, "center-gw1");
  EXPECT_TRUE(center.tls);
  EXPECT_EQ(center.needed(), 4 * 5998u + 66);
  EXPECT_EQ(peak(budget, "center-app1").needed(), 3154u + 32) << "backends are reached in plain";
  EXPECT_NE(run::describe(center).find("4 x 5998 relayed over TLS + 2 x 0 proxied in"), std::string::npos)
      << run::describe(center);
}

// Re-encrypted to the backends, the upstream side holds a TLS pipe too: 6.
TEST(DescriptorBudget, ReencryptingToTheBackendsCostsTwoMoreDescriptorsPerConnection) {
  Json document = two_units(1);
  over_tls(document);
  document["tls_to_backends"] = true;
  auto budget = run::descriptor_budget(read(document), 20000);
  const DescriptorNeed& center = peak(budget, "center-gw1");
  EXPECT_EQ(center.needed(), 6 * 5998u + 66);
  EXPECT_NE(run::describe(center).find("6 x 5998 relayed over TLS both ways + 4 x 0 proxied in"), std::string::npos)
      << run::describe(center);
}

TEST(DescriptorBudget, AKilledNodesClientsSpreadOverTheRestOfItsUnit) {
  Json document = two_units(3);
  document["timeline"] = {{{"at", "5s"}, {"action", "kill"}, {"node", "center-gw1"}}};
  auto budget = run::descriptor_budget(read(document), 20000);
  const DescriptorNeed& gw2 = peak(budget, "center-gw2");
  EXPECT_EQ(gw2.moment, "after timeline[0] (kill center-gw1) at 5s");
  EXPECT_EQ(gw2.connections, spread(5998, 0.5));
  // Before the kill, a third each.
  const DescriptorNeed& gw1 = peak(budget, "center-gw1");
  EXPECT_EQ(gw1.moment, "at the start");
  EXPECT_EQ(gw1.connections, spread(5998, 1.0 / 3));
}

TEST(DescriptorBudget, TheRefusalShowsTheArithmeticOfTheWorstProcessAndMoment) {
  Json document = two_units(3);
  document["timeline"] = {{{"at", "5s"}, {"action", "kill"}, {"node", "center-gw1"}},
                          {{"at", "9s"}, {"action", "kill"}, {"node", "center-gw2"}}};
  auto budget = run::descriptor_budget(read(document), 10000);
  ASSERT_TRUE(budget.over);
  EXPECT_EQ(run::refusal(budget),
            "gateway center-gw3 (unit center) needs 12062 descriptors after timeline[1] (kill center-gw2) at 9s: "
            "2 x (5998 relayed + 0 proxied in from other units) + 66 reserved, but a process may open 10000 "
            "(ulimit -n); add nodes or VIPs to unit center, or raise the limit");
  // The same scenario fits a larger limit.
  EXPECT_EQ(run::refusal(run::descriptor_budget(read(document), 12062)), "");
  EXPECT_NE(run::refusal(run::descriptor_budget(read(document), 12061)), "");
}

TEST(DescriptorBudget, ABackendOverTheLimitIsNamedWithItsConnections) {
  Json document = two_units(3);
  document["timeline"] = {{{"at", "5s"}, {"action", "backend-kill"}, {"backend", "center-app2"}}};
  const auto first = run::descriptor_budget(read(document), 20000);
  const DescriptorNeed& app1 = peak(first, "center-app1");
  EXPECT_EQ(run::describe(app1),
            "backend center-app1 (unit center) needs 6030 descriptors after timeline[0] (backend-kill center-app2) "
            "at 5s: 5998 connections + 32 reserved");
  // Every slot in center: its three nodes relay about 3,500 each, its last backend serves all 10,000.
  document["rules"]["ranges"] = {{{"from", 0}, {"to", 9999}, {"unit", "center"}}};
  auto budget = run::descriptor_budget(read(document), 9000);
  EXPECT_EQ(run::refusal(budget),
            "backend center-app1 (unit center) needs 10032 descriptors after timeline[0] (backend-kill center-app2) "
            "at 5s: 10000 connections + 32 reserved, but a process may open 9000 (ulimit -n); add backends to unit "
            "center's route, or raise the limit");
}

TEST(DescriptorBudget, AProxiedConnectionCostsASecondPairOnTheFarNode) {
  Json document = two_units(2);
  document["gateway"] = {{"correction", "proxy"}};
  auto budget = run::descriptor_budget(read(document), 20000);
  // Every client reaches unbj-gw1 (the domain's unit, one node) and is relayed there.
  EXPECT_EQ(peak(budget, "unbj-gw1").connections, 10000u);
  EXPECT_EQ(peak(budget, "unbj-gw1").proxied_in, 0u);
  // center's clients are proxied on to center's two nodes in turn.
  const DescriptorNeed& gw1 = peak(budget, "center-gw1");
  EXPECT_EQ(gw1.connections, 0u);
  EXPECT_EQ(gw1.proxied_in, spread(5998, 0.5));
  EXPECT_EQ(gw1.needed(), 2 * spread(5998, 0.5) + 66);
}

TEST(DescriptorBudget, ACutoverMovesTheOwnersLoad) {
  Json document = two_units(1);
  document["timeline"] = {
      {{"at", "5s"},
       {"action", "cutover"},
       {"rules",
        {{"version", 2},
         {"modulus", 10000},
         {"ranges",
          {{{"from", 0}, {"to", 7999}, {"unit", "center"}}, {{"from", 8000}, {"to", 9999}, {"unit", "unbj"}}}}}}}};
  auto budget = run::descriptor_budget(read(document), 20000);
  EXPECT_EQ(peak(budget, "center-gw1").connections, 8000u);
  EXPECT_EQ(peak(budget, "center-gw1").moment, "after timeline[0] (cutover to rules v2) at 5s");
  EXPECT_EQ(peak(budget, "unbj-gw1").connections, 4002u);  // before it
}

// Clients already connected stay put: a restored node takes nobody's
// connections, so the next kill leaves the last never-killed node with all.
TEST(DescriptorBudget, ARestoredNodeTakesNoLoadFromTheOthers) {
  Json document = two_units(3);
  document["timeline"] = {{{"at", "5s"}, {"action", "kill"}, {"node", "center-gw1"}},
                          {{"at", "9s"}, {"action", "restore"}, {"node", "center-gw1"}},
                          {{"at", "15s"}, {"action", "kill"}, {"node", "center-gw2"}}};
  auto budget = run::descriptor_budget(read(document), 20000);
  EXPECT_EQ(peak(budget, "center-gw3").connections, 5998u);
  EXPECT_EQ(peak(budget, "center-gw3").moment, "after timeline[2] (kill center-gw2) at 15s");
  // The restored node is counted with itself in: half, after center-gw2's kill.
  EXPECT_EQ(peak(budget, "center-gw1").connections, spread(5998, 0.5));
  EXPECT_EQ(peak(budget, "center-gw1").moment, "after timeline[2] (kill center-gw2) at 15s");
}

// A VIP is held by the highest-priority live node it names: a node that takes
// over a second VIP takes that VIP's share.
TEST(DescriptorBudget, VipsMoveTheirShareToTheNextPriorityNode) {
  Json document = two_units(3);
  auto vip = [](const std::string& name, const std::string& address, int vrid, const std::string& first,
                const std::string& second) {
    return Json{{"name", name}, {"address", address}, {"port", 8020},
                {"vrid", vrid}, {"advert_int", "1s"}, {"priorities", {{first, 150}, {second, 100}}}};
  };
  document["units"][0]["vips"] = {vip("center-vip1", "127.0.10.101", 51, "center-gw1", "center-gw2"),
                                  vip("center-vip2", "127.0.10.102", 52, "center-gw3", "center-gw2")};
  document["timeline"] = {{{"at", "5s"}, {"action", "kill"}, {"node", "center-gw1"}}};
  auto budget = run::descriptor_budget(read(document), 20000);
  EXPECT_EQ(peak(budget, "center-gw2").moment, "after timeline[0] (kill center-gw1) at 5s");
  EXPECT_EQ(peak(budget, "center-gw2").connections, spread(5998, 0.5));
  EXPECT_EQ(peak(budget, "center-gw2").reserve, 68u);  // two VIP listeners
  EXPECT_EQ(peak(budget, "center-gw3").connections, spread(5998, 0.5));
}

TEST(DescriptorBudget, AGroupAddedLaterCountsFromItsEvent) {
  Json document = two_units(1);
  document["clients"][0]["connect_at_start"] = false;
  document["timeline"] = {{{"at", "5s"}, {"action", "clients-add"}, {"group", "fleet"}}};
  auto budget = run::descriptor_budget(read(document), 20000);
  EXPECT_EQ(peak(budget, "center-gw1").connections, 5998u);
  EXPECT_EQ(peak(budget, "center-gw1").moment, "after timeline[0] (clients-add fleet) at 5s");
}

// The 20,000-client capacity scenario fits this machine's 20,000 with margin.
TEST(DescriptorBudget, TheLive20kScenarioFitsWithMargin) {
  auto budget = run::descriptor_budget(test::load_project_scenario("capacity/live-20k.json"), 20000);
  EXPECT_EQ(run::refusal(budget), "");
  ASSERT_NE(budget.worst(DescriptorNeed::Kind::gateway), nullptr);
  EXPECT_LT(budget.worst(DescriptorNeed::Kind::gateway)->needed(), 16000u)
      << run::describe(*budget.worst(DescriptorNeed::Kind::gateway));
  EXPECT_LT(budget.worst(DescriptorNeed::Kind::backend)->needed(), 16000u)
      << run::describe(*budget.worst(DescriptorNeed::Kind::backend));
}

}  // namespace descriptor_budget_test
