// The scenario's "stack" section and the power-off action, read from the
// seed-002 scenario with one change each.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/scenario/scenario_loader.hpp"

namespace scenario_stack_test {

using namespace wsfo;
using json::Json;

Json seed_keepalived_ha() {
  std::ifstream in(std::string(WSFO_SOURCE_DIR) + "/scenarios/seed-keepalived-ha.json");
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

struct Read {
  std::optional<scenario::Scenario> scenario;
  std::vector<std::string> problems;
};

Read read(const Json& document) {
  json::Problems problems;
  Read result;
  result.scenario = scenario::read_scenario(document, problems);
  for (const auto& p : problems.list()) result.problems.push_back(json::format(p));
  return result;
}

Read read_with_stack(const char* stack) {
  Json document = seed_keepalived_ha();
  document["stack"] = Json::parse(stack);
  return read(document);
}

// The seed with `events` appended to its timeline (it ends at 42s of 50s).
Read read_with_events(const char* events) {
  Json document = seed_keepalived_ha();
  for (const Json& event : Json::parse(events)) document["timeline"].push_back(event);
  return read(document);
}

TEST(ScenarioStack, KindNamesRoundTripAndUnknownNamesAreNone) {
  for (auto kind : {scenario::StackKind::wsfo, scenario::StackKind::nginx_keepalived})
    EXPECT_EQ(scenario::parse_stack_kind(scenario::stack_kind_name(kind)), kind);
  EXPECT_EQ(scenario::stack_kind_name(scenario::StackKind::nginx_keepalived), "nginx-keepalived");
  EXPECT_EQ(scenario::parse_stack_kind("nginx"), std::nullopt);
  EXPECT_EQ(scenario::stack_kind_names(), (std::vector<std::string>{"wsfo", "nginx-keepalived"}));
}

TEST(ScenarioStack, AbsentIsWsfo) {
  Read r = read(seed_keepalived_ha());
  ASSERT_TRUE(r.scenario) << ::testing::PrintToString(r.problems);
  EXPECT_EQ(r.scenario->stack.kind, scenario::StackKind::wsfo);
  EXPECT_EQ(r.scenario->stack.nginx_workers, 1u);
  EXPECT_FALSE(r.scenario->stack.worker_shutdown_timeout);
}

TEST(ScenarioStack, NginxKeepalivedWithItsSettings) {
  Read r = read_with_stack(R"({"kind": "nginx-keepalived", "nginx_workers": 4, "worker_shutdown_timeout": "10s"})");
  ASSERT_TRUE(r.scenario) << ::testing::PrintToString(r.problems);
  EXPECT_EQ(r.scenario->stack.kind, scenario::StackKind::nginx_keepalived);
  EXPECT_EQ(r.scenario->stack.nginx_workers, 4u);
  EXPECT_EQ(r.scenario->stack.worker_shutdown_timeout, std::chrono::seconds(10));

  Read defaults = read_with_stack(R"({"kind": "nginx-keepalived"})");
  ASSERT_TRUE(defaults.scenario) << ::testing::PrintToString(defaults.problems);
  EXPECT_EQ(defaults.scenario->stack.nginx_workers, 1u);
  EXPECT_FALSE(defaults.scenario->stack.worker_shutdown_timeout);
}

TEST(ScenarioStack, BadStacksAreProblemsNamingTheirPointer) {
  struct Case {
    const char* stack;
    const char* problem;
  };
  const Case cases[] = {
      {R"({"kind": "haproxy"})", R"(/stack/kind: expected one of "wsfo", "nginx-keepalived", got "haproxy")"},
      {R"({})", "/stack/kind: missing required key, expected a string"},
      {R"("wsfo")", "/stack: expected an object, got a string"},
      {R"({"kind": "nginx-keepalived", "workers": 2})", "/stack/workers: unknown key 'workers'"},
      {R"({"kind": "nginx-keepalived", "nginx_workers": 0})",
       "/stack/nginx_workers: expected an integer in [1, 64], got 0"},
      {R"({"kind": "nginx-keepalived", "worker_shutdown_timeout": "soon"})",
       "/stack/worker_shutdown_timeout: expected a duration such as \"1500ms\" or \"3s\", got \"soon\""},
      {R"({"kind": "nginx-keepalived", "worker_shutdown_timeout": "1500us"})",
       "/stack/worker_shutdown_timeout: expected a positive whole number of milliseconds (nginx's resolution), got "
       "\"1500us\""},
      {R"({"kind": "wsfo", "nginx_workers": 2})",
       R"(/stack/nginx_workers: applies only to the "nginx-keepalived" stack, not to "wsfo")"},
      {R"({"kind": "wsfo", "worker_shutdown_timeout": "10s"})",
       R"(/stack/worker_shutdown_timeout: applies only to the "nginx-keepalived" stack, not to "wsfo")"},
  };
  for (const Case& c : cases) {
    Read r = read_with_stack(c.stack);
    EXPECT_FALSE(r.scenario) << c.stack;
    EXPECT_EQ(r.problems, std::vector<std::string>{c.problem}) << c.stack;
  }
}

TEST(ScenarioPowerOff, IsReadAndUndoneByRestore) {
  Read r = read_with_events(R"([{"at": "44s", "action": "power-off", "node": "server2",
                                 "expect": {"vips": [{"vip": "vip-110", "holder": "server1", "within": "4s"}]}},
                                {"at": "46s", "action": "restore", "node": "server2"}])");
  ASSERT_TRUE(r.scenario) << ::testing::PrintToString(r.problems);
  const auto& timeline = r.scenario->timeline;
  ASSERT_EQ(timeline.size(), 7u);
  const auto* off = std::get_if<scenario::PowerOff>(&timeline[5].action);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->node, "server2");
  EXPECT_EQ(scenario::action_name(timeline[5].action), "power-off");
  ASSERT_EQ(timeline[5].expect.vips.size(), 1u);
  EXPECT_EQ(timeline[5].expect.vips[0].holder, "server1");
  EXPECT_TRUE(std::holds_alternative<scenario::RestoreNode>(timeline[6].action));
}

TEST(ScenarioPowerOff, BadUsesAreProblemsNamingThePointer) {
  struct Case {
    const char* events;
    const char* problem;
  };
  const Case cases[] = {
      {R"([{"at": "44s", "action": "power-off", "node": "server9"}])", "/timeline/5/node: unknown node 'server9'"},
      {R"([{"at": "44s", "action": "power-off"}])", "/timeline/5/node: missing required key, expected a value"},
      {R"([{"at": "44s", "action": "power-off", "node": "server2", "backend": "app16"}])",
       "/timeline/5/backend: unknown key 'backend'"},
      // server1 is powered off at 30s in the seed and never restored.
      {R"([{"at": "44s", "action": "power-off", "node": "server1"}])",
       "/timeline/5/node: node 'server1' is powered off at this time"},
      {R"([{"at": "44s", "action": "kill", "node": "server2"}, {"at": "45s", "action": "power-off", "node": "server2"}])",
       "/timeline/6/node: node 'server2' is killed at this time"},
      {R"([{"at": "44s", "action": "power-off", "node": "server2"}, {"at": "45s", "action": "kill", "node": "server2"}])",
       "/timeline/6/node: node 'server2' is powered off at this time"},
      {R"([{"at": "44s", "action": "power-off", "node": "server2"},
           {"at": "45s", "action": "power-off", "node": "server2"}])",
       "/timeline/6/node: node 'server2' is powered off at this time"},
      {R"([{"at": "44s", "action": "restore", "node": "server2"}])",
       "/timeline/5/node: node 'server2' is not killed: nothing to restore"},
  };
  for (const Case& c : cases) {
    Read r = read_with_events(c.events);
    EXPECT_FALSE(r.scenario) << c.events;
    EXPECT_EQ(r.problems, std::vector<std::string>{c.problem}) << c.events;
  }
}

}  // namespace scenario_stack_test
