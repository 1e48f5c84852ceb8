// Which scenario items a stack cannot play: wsfo plays all of them; plain
// nginx + keepalived refuses the first item that needs wsfo's gateway.
#include "core/stack/stack_support.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/unit/test_scenarios.hpp"

namespace stack_support_test {

using namespace wsfo;
using json::Json;
using scenario::StackKind;
using test::load_project_scenario;

constexpr const char* kPlainNginx = ": the nginx-keepalived stack is plain nginx: ";

// seed-keepalived-ha.json with `change` applied to its JSON document.
template <class Change>
scenario::Scenario seed_keepalived_ha_with(Change change) {
  std::ifstream in(std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-keepalived-ha.json");
  std::stringstream text;
  text << in.rdbuf();
  Json document = Json::parse(text.str());
  change(document);
  json::Problems problems;
  auto scenario = scenario::read_scenario(document, problems);
  EXPECT_TRUE(problems.empty()) << json::format(problems.list().front());
  return scenario ? *scenario : scenario::Scenario{};
}

std::string refusal_by_nginx_keepalived(const scenario::Scenario& s) {
  return stack::first_unrealisable(s, StackKind::nginx_keepalived);
}

TEST(StackSupport, WsfoPlaysEveryScenario) {
  for (const char* name : {"seed-msha-cutover.json", "seed-keepalived-ha.json", "regression/fenced-cutover.json",
                           "regression/proxy-correction.json"})
    EXPECT_EQ(stack::first_unrealisable(load_project_scenario(name), StackKind::wsfo), "") << name;
}

TEST(StackSupport, NginxKeepalivedPlaysTheSeed002Scenarios) {
  EXPECT_EQ(refusal_by_nginx_keepalived(load_project_scenario("seed-keepalived-ha.json")), "");
  EXPECT_EQ(refusal_by_nginx_keepalived(load_project_scenario("regression/keepalived-ha.json")), "");
}

TEST(StackSupport, EveryNodeBackendAndClientActionIsRealisable) {
  auto s = seed_keepalived_ha_with([](Json& d) {
    for (const char* event : {
             R"({"at": "43s", "action": "partition", "a": "server1", "b": "server2"})",
             R"({"at": "43s", "action": "heal", "a": "server1", "b": "server2"})",
             R"({"at": "44s", "action": "power-off", "node": "server2"})",
             R"({"at": "44s", "action": "restore", "node": "server2"})",
             R"({"at": "45s", "action": "restore", "node": "server1"})",
             R"({"at": "45s", "action": "backend-kill", "backend": "app16"})",
             R"({"at": "46s", "action": "backend-restore", "backend": "app16"})",
             R"({"at": "46s", "action": "backend-remove", "unit": "lb", "backend": "app17"})",
             R"({"at": "47s", "action": "wait", "expect": {"land_in": "lb", "no_dual_service": true,
                                                           "no_redirect_loop": true}})",
         })
      d["timeline"].push_back(Json::parse(event));
  });
  ASSERT_EQ(s.timeline.size(), 14u);
  EXPECT_EQ(refusal_by_nginx_keepalived(s), "");
}

TEST(StackSupport, MoreThanOneUnitIsRefusedNamingTheSecond) {
  EXPECT_EQ(refusal_by_nginx_keepalived(load_project_scenario("seed-msha-cutover.json")),
            std::string("units[1] (unbj)") + kPlainNginx + "it serves one unit, with no redirect or correction " +
                "between units");
}

TEST(StackSupport, ACutoverIsRefusedNamingItsEvent) {
  auto s = load_project_scenario("seed-keepalived-ha.json");
  scenario::TimelineEvent cutover;
  cutover.at = s.timeline.back().at;
  cutover.action = scenario::Cutover{s.rules.with_version(2)};
  s.timeline.push_back(cutover);
  EXPECT_EQ(refusal_by_nginx_keepalived(s),
            std::string("timeline[5] (cutover)") + kPlainNginx + "it has no routerId rules to cut over");
}

TEST(StackSupport, AnAdminApiFaultIsRefusedNamingItsEvent) {
  auto s = load_project_scenario("seed-keepalived-ha.json");
  scenario::TimelineEvent fault;
  fault.at = s.timeline.back().at;
  fault.action = scenario::AdminSlow{s.units.front().nodes.front().name, std::chrono::milliseconds(400)};
  s.timeline.push_back(fault);
  EXPECT_EQ(refusal_by_nginx_keepalived(s),
            std::string("timeline[5] (admin-slow)") + kPlainNginx + "it has no admin API to make unreachable or slow");
}

TEST(StackSupport, RulesSendingRouterIdsToAnotherUnitAreRefused) {
  auto s = load_project_scenario("seed-keepalived-ha.json");
  auto built = routing::RuleSet::build(1, {{0, 4999, "lb"}, {5000, 9999, "elsewhere"}}, {});
  ASSERT_TRUE(built.rules);
  s.rules = *built.rules;
  EXPECT_EQ(refusal_by_nginx_keepalived(s), std::string("rules.ranges[1] ([5000, 9999] -> elsewhere)") + kPlainNginx +
                                                "it has no routerId rules: it serves every routerId in unit lb");
}

TEST(StackSupport, GatewayPoliciesOnlyWsfoHasAreRefused) {
  auto proxy = seed_keepalived_ha_with([](Json& d) { d["gateway"] = Json::parse(R"({"correction": "proxy"})"); });
  EXPECT_EQ(refusal_by_nginx_keepalived(proxy),
            std::string("gateway.correction (proxy)") + kPlainNginx + "it has no correction between units to proxy");

  auto reject =
      seed_keepalived_ha_with([](Json& d) { d["gateway"] = Json::parse(R"({"router_id": {"missing": "reject"}})"); });
  EXPECT_EQ(refusal_by_nginx_keepalived(reject), std::string("gateway.router_id.missing (reject)") + kPlainNginx +
                                                     "it does not read routerIds, so it cannot reject a client "
                                                     "without one");

  auto capped =
      seed_keepalived_ha_with([](Json& d) { d["gateway"] = Json::parse(R"({"max_handshakes_in_progress": 5000})"); });
  EXPECT_EQ(refusal_by_nginx_keepalived(capped), std::string("gateway.max_handshakes_in_progress") + kPlainNginx +
                                                     "nginx has no cap on connections whose request head is not "
                                                     "read yet");

  // Which routerId source a gateway reads only decides a unit: with one unit nothing changes.
  auto sources = seed_keepalived_ha_with([](Json& d) {
    d["gateway"] = Json::parse(R"({"correction": "redirect", "router_id": {"sources": ["query"]}})");
  });
  EXPECT_EQ(refusal_by_nginx_keepalived(sources), "");
}

TEST(StackSupport, BalancingByRouterIdHashIsRefused) {
  auto s = seed_keepalived_ha_with([](Json& d) { d["units"][0]["routes"][0]["balance"] = "router-id-hash"; });
  EXPECT_EQ(refusal_by_nginx_keepalived(s), std::string("units[0].routes[0] (balance router-id-hash)") + kPlainNginx +
                                                "it does not read routerIds, so it cannot balance by wsfo's "
                                                "routerId hash");
}

TEST(StackSupport, ExpectationsOnTheAdminApiOrBetweenUnitsAreRefused) {
  auto versions = seed_keepalived_ha_with([](Json& d) { d["timeline"][1]["expect"]["same_version"] = true; });
  EXPECT_EQ(refusal_by_nginx_keepalived(versions), std::string("timeline[1].expect.same_version") + kPlainNginx +
                                                       "it has no admin API to report a rules version");

  auto detects =
      seed_keepalived_ha_with([](Json& d) { d["timeline"][2]["expect"]["detects"] = Json::parse(R"(["bounce"])"); });
  EXPECT_EQ(refusal_by_nginx_keepalived(detects), std::string("timeline[2].expect.detects (bounce)") + kPlainNginx +
                                                      "it serves one unit: no client can bounce between units or be "
                                                      "served by two");

  auto outcome = load_project_scenario("seed-keepalived-ha.json");
  outcome.timeline[3].expect.cutover = "committed";
  EXPECT_EQ(refusal_by_nginx_keepalived(outcome), std::string("timeline[3].expect.cutover") + kPlainNginx +
                                                      "it has no cutover, so there is no outcome to expect");
}

TEST(StackSupport, TheFirstRefusedItemIsNamed) {
  auto s = seed_keepalived_ha_with([](Json& d) {
    d["gateway"] = Json::parse(R"({"correction": "proxy"})");
    d["timeline"][0]["expect"]["same_version"] = true;
  });
  EXPECT_EQ(refusal_by_nginx_keepalived(s).rfind("gateway.correction (proxy)", 0), 0u)
      << refusal_by_nginx_keepalived(s);
}

}  // namespace stack_support_test

namespace stack_switch_test {

using namespace wsfo;

TEST(StackSwitch, TheOtherStacksSettingsAreLeftOutWithANoteNamingThem) {
  scenario::Scenario s;
  s.stack.kind = scenario::StackKind::nginx_keepalived;
  s.stack.worker_shutdown_timeout = std::chrono::seconds(4);
  EXPECT_EQ(stack::switch_stack(s, scenario::StackKind::wsfo),
            "the scenario's nginx-keepalived settings (worker_shutdown_timeout) do not apply to the wsfo stack: "
            "left out");
  EXPECT_EQ(s.stack.kind, scenario::StackKind::wsfo);
  EXPECT_FALSE(s.stack.worker_shutdown_timeout);
  EXPECT_EQ(stack::switch_stack(s, scenario::StackKind::wsfo), "");              // already there
  EXPECT_EQ(stack::switch_stack(s, scenario::StackKind::nginx_keepalived), "");  // nothing given to leave out
  EXPECT_EQ(s.stack.kind, scenario::StackKind::nginx_keepalived);
}

}  // namespace stack_switch_test
