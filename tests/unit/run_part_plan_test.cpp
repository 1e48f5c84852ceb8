// The typed part plan and its document form: what the live engine writes is
// what the gateway reads back, and what the model uses as it is.
#include <gtest/gtest.h>

#include "core/gateway/gateway_config_json.hpp"
#include "core/run/cutover_effects.hpp"
#include "core/run/part_plan.hpp"
#include "tests/unit/test_scenarios.hpp"

namespace run_part_plan_test {

using namespace wsfo;

using test::load_project_scenario;

TEST(RunPartPlan, EveryRegressionGatewayConfigSurvivesItsDocumentForm) {
  for (const char* name : {"regression/keepalived-ha.json", "regression/proxy-correction.json",
                           "regression/backend-add.json", "seed-msha-cutover.json"}) {
    auto s = load_project_scenario(name);
    for (const auto& unit : s.units)
      for (const auto& node : unit.nodes) {
        auto config = run::gateway_config_for(s, unit, node, {"/run/state/x.json", "/run/events/v.jsonl"});
        json::Json document = gateway::to_json(config);
        json::Problems problems;
        auto read = gateway::read_gateway_config(document, problems);
        ASSERT_TRUE(read) << name << " " << node.name << ": " << document.dump();
        EXPECT_EQ(gateway::to_json(*read), document) << name << " " << node.name;
        EXPECT_EQ(read->listen.at(0).text(), node.address + ":" + std::to_string(node.port));
        EXPECT_EQ(read->units.size(), s.units.size());
        EXPECT_EQ(read->state_file, "/run/state/x.json");
        // The seed serves its browsers by proxy and everyone else by redirect.
        if (std::string(name) == "seed-msha-cutover.json") {
          EXPECT_EQ(read->correction, gateway::CorrectionMode::redirect);
          EXPECT_EQ(read->browser_correction, gateway::CorrectionMode::proxy);
        }
      }
  }
}

// The scenario's gateway limits reach every node's config, in both engines
// (the model builds its gateways from the same plan); absent, the default.
TEST(RunPartPlan, TheScenariosHandshakeCapReachesEveryNode) {
  auto capped = load_project_scenario("capacity/traffic-100k.json");
  ASSERT_EQ(capped.gateway.max_handshakes_in_progress, std::optional<std::size_t>(50000));
  auto seed = load_project_scenario("seed-msha-cutover.json");
  EXPECT_FALSE(seed.gateway.max_handshakes_in_progress);
  for (const auto* s : {&capped, &seed})
    for (const auto& unit : s->units)
      for (const auto& node : unit.nodes) {
        auto config = run::gateway_config_for(*s, unit, node, {});
        EXPECT_EQ(config.limits.max_handshakes_in_progress, s == &capped ? 50000u : gateway::Limits{}.max_handshakes_in_progress)
            << node.name;
      }
}

TEST(RunPartPlan, ANodeAVipListsRunsAnAgentWithItsEventsFile) {
  auto s = load_project_scenario("regression/keepalived-ha.json");
  std::size_t with_vrrp = 0;
  for (const auto& unit : s.units)
    for (const auto& node : unit.nodes) {
      auto config = run::gateway_config_for(s, unit, node, {"", "/e/" + node.name});
      bool listed = false;
      for (const auto& vip : unit.vips)
        for (const auto& p : vip.priorities) listed |= p.node == node.name;
      EXPECT_EQ(config.vrrp.has_value(), listed) << node.name;
      if (config.vrrp) {
        ++with_vrrp;
        EXPECT_EQ(config.vrrp->events_file, "/e/" + node.name);
      }
    }
  EXPECT_GT(with_vrrp, 0u);
}

TEST(RunPartPlan, EntryPointsAreTheVipsWhenAUnitHasAny) {
  auto s = load_project_scenario("regression/keepalived-ha.json");
  for (const auto& unit : s.units) {
    auto entries = run::unit_entry_points(unit);
    if (!unit.vips.empty()) {
      ASSERT_EQ(entries.size(), unit.vips.size());
      EXPECT_EQ(entries[0], unit.vips[0].address + ":" + std::to_string(unit.vips[0].port));
    } else {
      EXPECT_EQ(entries.size(), unit.nodes.size());
    }
  }
}

// A TLS scenario's certificates name what the clients dial: the unit's
// public name (redirects and SNI), the domain where it resolves, the node's
// and its VIPs' addresses; each node's gateway config serves its own pair.
TEST(RunPartPlan, TlsNodesServeCertificatesForEveryNameTheyAreDialedBy) {
  auto s = load_project_scenario("regression/seed-cutover-tls.json");
  ASSERT_TRUE(s.tls);
  const auto& center = *s.find_unit("center");
  const auto& unbj = *s.find_unit("unbj");
  EXPECT_EQ(run::certificate_names(s, center, center.nodes[0]),
            (std::vector<std::string>{"center.websocket.msha.tech", "127.52.1.1"}));
  EXPECT_EQ(run::certificate_names(s, unbj, unbj.nodes[0]),
            (std::vector<std::string>{"unbj.websocket.msha.tech", "websocket.msha.tech", "127.52.2.1"}));
  auto ha = load_project_scenario("regression/keepalived-ha.json");
  for (const auto& unit : ha.units)
    for (const auto& node : unit.nodes) {
      auto names = run::certificate_names(ha, unit, node);
      for (const auto& vip : unit.vips)
        for (const auto& p : vip.priorities)
          if (p.node == node.name) {
            EXPECT_NE(std::find(names.begin(), names.end(), vip.address), names.end()) << node.name << " " << vip.name;
          }
    }

  auto config = run::gateway_config_for(s, center, center.nodes[0], {"", "", "/run/tls/c.pem", "/run/tls/c.key"});
  ASSERT_TRUE(config.tls.has_value());
  EXPECT_EQ(config.tls->certificate_file, "/run/tls/c.pem");
  EXPECT_EQ(config.tls->key_file, "/run/tls/c.key");
  EXPECT_EQ(config.tls->min_version, "1.2");
  EXPECT_EQ(config.units.at(0).public_url, "wss://center.websocket.msha.tech:8020") << "redirects keep wss://";
  json::Problems problems;
  auto read = gateway::read_gateway_config(gateway::to_json(config), problems);
  ASSERT_TRUE(read) << gateway::to_json(config).dump();
  EXPECT_EQ(read->tls->key_file, "/run/tls/c.key");
  auto plain = load_project_scenario("regression/fenced-cutover.json");
  EXPECT_FALSE(run::gateway_config_for(plain, plain.units[0], plain.units[0].nodes[0], {"", "", "/a", "/b"}).tls);
}

routing::RuleSet rules(std::uint64_t version, std::int64_t split) {
  return *routing::RuleSet::build(version, {{0, split - 1, "a"}, {split, 9999, "b"}}, {"a", "b"}).rules;
}

TEST(RunCutoverEffects, APrepareClosesEachMovedRangeNamingTheVersion) {
  gateway::RulesState state(rules(1, 5000));
  ASSERT_TRUE(state.prepare(rules(2, 4000)).ok());
  auto closes = run::closes_after_prepare(state);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].range.first, 4000u);
  EXPECT_EQ(closes[0].range.last, 4999u);
  EXPECT_EQ(closes[0].reason, "moved from a to b by rules v2");
  EXPECT_EQ(run::kMovedCloseCode, 4001);
}

TEST(RunCutoverEffects, ARevertClosesWhatMovesBackNamingBothVersions) {
  gateway::RulesState state(rules(1, 5000));
  ASSERT_TRUE(state.prepare(rules(2, 4000)).ok());
  ASSERT_TRUE(state.commit(2).ok());
  auto step = state.abort(2);
  ASSERT_TRUE(step.ok());
  ASSERT_TRUE(step.reverted);
  auto closes = run::closes_after_revert(*step.reverted);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].reason, "moved back from b to a by the revert of rules v2 to v1");
  EXPECT_TRUE(run::closes_after_prepare(state).empty());  // nothing pending
}

}  // namespace run_part_plan_test
