// The live plan never puts bulk input on a command line: Linux refuses a
// single argument of 128 KiB or more, and the exec of that part fails.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "simulator/live/live_plan.hpp"
#include "tests/unit/test_scenarios.hpp"

namespace live_plan_inputs_test {

using namespace wsfo;

// 20,000 clients with random 63-bit routerIds (the default range): the ids
// of one process alone would make an argument of about 160 KB.
scenario::Scenario twenty_thousand_random_clients() {
  scenario::Scenario s = test::load_project_scenario("regression/backend-kill.json");
  s.clients.resize(1);
  scenario::RouterIdRandom random;
  random.count = 20000;
  random.from = 0;
  random.to = (std::uint64_t{1} << 63) - 1;
  random.seed = 7;
  s.clients[0].router_ids = random;
  return s;
}

TEST(LivePlanInputs, NoArgumentOfAnyPartIsLongAndEveryRouterIdIsInAFile) {
  auto s = twenty_thousand_random_clients();
  std::string dir = ::testing::TempDir() + "/wsfo-live-plan-inputs";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/inputs");
  live::LivePlan plan = live::make_live_plan(s, dir);
  ASSERT_EQ(plan.clients.size(), 3u);  // at most kMaxClientsPerProcess each
  std::size_t longest = 0;
  for (const auto& c : plan.clients)
    for (const auto& arg : c.process.args) longest = std::max(longest, arg.size());
  for (const auto& g : plan.gateways)
    for (const auto& arg : g.process.args) longest = std::max(longest, arg.size());
  EXPECT_LT(longest, 4096u);

  ASSERT_EQ(live::write_plan_files(plan, dir), "");
  std::size_t ids = 0;
  for (const auto& c : plan.clients) {
    auto flag = std::find(c.process.args.begin(), c.process.args.end(), "--router-ids-file");
    ASSERT_NE(flag, c.process.args.end());
    ASSERT_EQ(*(flag + 1), c.router_ids_file);
    std::ifstream in(c.router_ids_file);
    std::vector<std::uint64_t> read;
    for (std::uint64_t id; in >> id;) read.push_back(id);
    EXPECT_EQ(read, c.router_ids);
    ids += read.size();
  }
  EXPECT_EQ(ids, 20000u);
  std::filesystem::remove_all(dir);
}

// Every gateway of a run reads the run's one admin token from a file: none
// generates its own, none has it on its command line.
TEST(LivePlanInputs, EveryGatewayReadsTheRunsAdminTokenFile) {
  scenario::Scenario s = test::load_project_scenario("regression/fenced-cutover.json");
  live::LivePlan plan = live::make_live_plan(s, "/run/x");
  EXPECT_EQ(plan.admin_token_file, "/run/x/state/admin-token");
  ASSERT_FALSE(plan.gateways.empty());
  for (const auto& g : plan.gateways) {
    const auto& args = g.process.args;
    auto flag = std::find(args.begin(), args.end(), "--token-file");
    ASSERT_NE(flag, args.end()) << g.node;
    ASSERT_NE(flag + 1, args.end());
    EXPECT_EQ(*(flag + 1), plan.admin_token_file);
    EXPECT_EQ(std::find(args.begin(), args.end(), "--token"), args.end());
    EXPECT_EQ(std::find(args.begin(), args.end(), "--no-admin-auth"), args.end());
  }
}

// A group that behaves as a browser runs as `wsfo clients --browser` with its
// routerId source; the others follow redirects with headers as before.
TEST(LivePlanInputs, TheSeedsBrowsersRunAsBrowsers) {
  scenario::Scenario s = test::load_project_scenario("seed-msha-cutover.json");
  live::LivePlan plan = live::make_live_plan(s, "/run/x");
  std::size_t browsers = 0;
  for (const auto& c : plan.clients) {
    const auto& args = c.process.args;
    const bool browser = std::find(args.begin(), args.end(), "--browser") != args.end();
    EXPECT_EQ(browser, c.group == "browsers") << c.group;
    if (!browser) continue;
    ++browsers;
    EXPECT_NE(std::find(args.begin(), args.end(), "--query-mode"), args.end());
  }
  EXPECT_EQ(browsers, 1u);
}

// With "tls" every client process gets the run's CA and every gateway its
// own certificate; without it, neither.
TEST(LivePlanInputs, ATlsRunGivesTheClientsTheCaAndTheGatewaysTheirCertificates) {
  const std::string dir = "/run/wsfo-tls";
  live::LivePlan tls = live::make_live_plan(test::load_project_scenario("regression/seed-cutover-tls.json"), dir);
  ASSERT_FALSE(tls.clients.empty());
  for (const auto& c : tls.clients) {
    auto flag = std::find(c.process.args.begin(), c.process.args.end(), "--ca-file");
    ASSERT_NE(flag, c.process.args.end()) << c.process.name;
    EXPECT_EQ(*(flag + 1), dir + "/tls/ca.pem");
  }
  for (const auto& g : tls.gateways) {
    EXPECT_EQ(g.config["tls"]["certificate"], dir + "/tls/" + g.node + ".pem");
    EXPECT_EQ(g.config["tls"]["key"], dir + "/tls/" + g.node + ".key");
  }
  live::LivePlan plain = live::make_live_plan(test::load_project_scenario("regression/fenced-cutover.json"), dir);
  for (const auto& c : plain.clients)
    EXPECT_EQ(std::find(c.process.args.begin(), c.process.args.end(), "--ca-file"), c.process.args.end());
  for (const auto& g : plain.gateways) EXPECT_FALSE(g.config.contains("tls")) << g.node;
}

// With "tls_to_backends" too: every backend is started with its own
// certificate and key, the timeline's added ones as well, and every gateway
// verifies them against the run's CA; without it, neither.
TEST(LivePlanInputs, ReencryptingToTheBackendsGivesThemCertificatesAndTheGatewaysTheCa) {
  const std::string dir = "/run/wsfo-tls";
  auto s = test::load_project_scenario("regression/seed-cutover-tls-backends.json");
  live::LivePlan plan = live::make_live_plan(s, dir);
  ASSERT_FALSE(plan.backends.empty());
  for (const auto& b : plan.backends) {
    const auto& args = b.process.args;
    auto flag = std::find(args.begin(), args.end(), "--tls-certificate");
    ASSERT_NE(flag, args.end()) << b.process.name;
    EXPECT_EQ(*(flag + 1), dir + "/tls/backends/" + b.name + ".pem");
    EXPECT_EQ(*(flag + 2), "--tls-key");
    EXPECT_EQ(*(flag + 3), dir + "/tls/backends/" + b.name + ".key");
  }
  for (const auto& g : plan.gateways) EXPECT_EQ(g.config["tls"]["backends_ca"], dir + "/tls/ca.pem") << g.node;
  live::LivePlan tls_only = live::make_live_plan(test::load_project_scenario("regression/seed-cutover-tls.json"), dir);
  for (const auto& b : tls_only.backends) {
    const auto& args = b.process.args;
    EXPECT_EQ(std::find(args.begin(), args.end(), "--tls-certificate"), args.end()) << b.process.name;
  }
  for (const auto& g : tls_only.gateways) EXPECT_FALSE(g.config["tls"].contains("backends_ca")) << g.node;
}

}  // namespace live_plan_inputs_test
