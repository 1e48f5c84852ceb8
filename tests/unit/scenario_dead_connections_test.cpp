// The dead_connections expectation: read strictly from a scenario, judged
// from the clients left on a dead connection in its event's window.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/checks/history_checks.hpp"
#include "core/scenario/scenario_loader.hpp"

namespace scenario_dead_connections_test {

using namespace wsfo;
using json::Json;
constexpr std::int64_t kS = 1'000'000'000;

Json silent_scenario() {
  std::ifstream in(std::string(WSFO_SOURCE_DIR) + "/scenarios/regression/silent-connections.json");
  std::stringstream text;
  text << in.rdbuf();
  return Json::parse(text.str());
}

std::vector<std::string> problems_with(const char* dead_connections) {
  Json document = silent_scenario();
  document["timeline"][1]["expect"]["dead_connections"] = Json::parse(dead_connections);
  json::Problems problems;
  scenario::read_scenario(document, problems);
  std::vector<std::string> out;
  for (const auto& p : problems.list()) out.push_back(json::format(p));
  return out;
}

TEST(ScenarioDeadConnections, IsReadFromTheRegressionScenario) {
  json::Problems problems;
  auto s = scenario::read_scenario(silent_scenario(), problems);
  ASSERT_TRUE(s) << problems.list().size();
  const auto& dead = s->timeline[1].expect.dead_connections;
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].group, "heartbeat");
  EXPECT_EQ(dead[0].noticed_within, std::chrono::seconds(6));
  EXPECT_EQ(dead[1].group, "no-heartbeat");
  EXPECT_FALSE(dead[1].noticed_within);
}

TEST(ScenarioDeadConnections, BadItemsAreProblemsNamingTheirPointer) {
  EXPECT_EQ(problems_with(R"([{"group": "nobody", "noticed": "never"}])"),
            std::vector<std::string>{"/timeline/1/expect/dead_connections/0/group: unknown client group 'nobody'"});
  EXPECT_EQ(problems_with(R"([{"group": "heartbeat"}])"),
            std::vector<std::string>{"/timeline/1/expect/dead_connections/0: expected exactly one of \"noticed\": "
                                     "\"never\" and \"noticed_within\""});
  EXPECT_EQ(problems_with(R"([{"group": "heartbeat", "noticed": "never", "noticed_within": "2s"}])"),
            std::vector<std::string>{"/timeline/1/expect/dead_connections/0: expected exactly one of \"noticed\": "
                                     "\"never\" and \"noticed_within\""});
  EXPECT_EQ(problems_with(R"([{"group": "heartbeat", "noticed": "sometimes"}])"),
            std::vector<std::string>{
                "/timeline/1/expect/dead_connections/0/noticed: expected one of \"never\", got \"sometimes\""});
}

history::Event event(const char* kind, std::int64_t t, std::optional<std::uint64_t> id, const std::string& source,
                     Json fields) {
  history::Event e;
  e.kind = kind;
  e.t_ns = t;
  e.router_id = id;
  e.source = source;
  e.fields = std::move(fields);
  return e;
}

std::vector<checks::Verdict> judge(const std::vector<history::Event>& history,
                                   std::vector<scenario::DeadConnectionExpectation> dead) {
  checks::EventWindow window;
  window.name = "start-gateway";
  window.start_ns = 10 * kS;
  window.end_ns = 30 * kS;
  window.expect.dead_connections = std::move(dead);
  std::vector<std::uint64_t> population = {1, 2};
  return checks::analyse(history, std::span(&window, 1), population, 100).verdicts;
}

std::vector<history::Event> preempt_history(std::int64_t beating_noticed_at) {
  auto vip = [](std::int64_t t, const char* node, const char* from, const char* to) {
    return event("vip", t, std::nullopt, node,
                 {{"instance", "vip-50"}, {"node", node}, {"vip", "127.48.0.50"}, {"from", from}, {"to", to}});
  };
  auto connected = [](std::uint64_t id, const char* group) {
    return event("connected", 2 * kS, id, group,
                 {{"node", "server2"}, {"url", "ws://127.48.0.50:8020/"}, {"unit", "lb"}});
  };
  return {vip(1 * kS, "server2", "BACKUP", "MASTER"),
          connected(1, "heartbeat"),
          connected(2, "no-heartbeat"),
          vip(14 * kS, "server1", "BACKUP", "MASTER"),
          vip(14 * kS + 1000, "server2", "MASTER", "BACKUP"),
          event("disconnected", beating_noticed_at, 1, "heartbeat", {{"cause", "connection_lost"}})};
}

TEST(ScenarioDeadConnections, PassWhenTheBeatingNoticeInTimeAndTheQuietNever) {
  auto verdicts = judge(preempt_history(16 * kS), {{"heartbeat", std::chrono::seconds(3)}, {"no-heartbeat", {}}});
  ASSERT_EQ(verdicts.size(), 2u);
  EXPECT_EQ(verdicts[0].status, checks::Status::pass) << verdicts[0].actual;
  EXPECT_EQ(verdicts[1].status, checks::Status::pass) << verdicts[1].actual;
}

TEST(ScenarioDeadConnections, FailWhenNoticedTooLateOrWhenNoClientWasOnADeadConnection) {
  auto late = judge(preempt_history(18 * kS), {{"heartbeat", std::chrono::seconds(3)}});
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].status, checks::Status::fail);
  EXPECT_EQ(late[0].actual, "1 on a dead connection: 1 noticed (max 4s), 0 not by start-gateway's end");

  auto none = judge({}, {{"no-heartbeat", {}}});
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].status, checks::Status::fail);
}

}  // namespace scenario_dead_connections_test
