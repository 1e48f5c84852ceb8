// `wsfo cutover`, the operator's CLI, against three live gateways (center-gw1,
// unbj-gw1, unbj-gw2): the preview, --plan-only, the confirmation prompt
// (anything but "yes" changes nothing), a failed pre-check, and a rollback
// when one gateway's admin API is unreachable in the middle of the rollout.
// What changed is read from the gateways' own GET /rules.
#include <csignal>
#include <fstream>

#include "gateway/admin_client.hpp"
#include "tests/component/gateway_harness.hpp"

namespace wsfo::gateway_test {
namespace {

struct Shell {
  std::string out;
  process::ExitStatus status;
};

// Runs a shell command line (for stdin redirections) to its end, bounded.
Shell run_shell(const std::string& command) {
  ChildProcess child({"/bin/sh", "-c", command});
  Shell run;
  for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
    if (auto line = child.read_stdout_line(2000ms)) {
      run.out += *line + "\n";
      continue;
    }
    if (auto status = child.wait_for_exit(0ms)) {
      run.status = *status;
      return run;
    }
  }
  ADD_FAILURE() << "wsfo cutover did not finish within 30 s; output so far:\n" << run.out;
  return run;
}

class CutoverCli : public ::testing::Test {
 protected:
  CutoverCli() {
    rules_file_ = center_.dir() + "/rules-v2.json";
    std::ofstream(rules_file_) << rules_json(2, 6380).dump(2);
  }

  static Json config(const std::string& node, const std::string& unit, const Backend& backend) {
    return gateway_config({backend.address()}, {{"node", node}, {"unit", unit}});
  }

  static std::vector<std::string> gateway_flags() { return {"--no-admin-auth"}; }

  // `wsfo cutover` on the three gateways, with `extra` flags and `stdin_from`.
  Shell cutover(const std::string& extra, const std::string& stdin_from = "/dev/null") const {
    std::string command = std::string(WSFO_BINARY) + " cutover --rules " + rules_file_;
    for (const Gateway* g : {&center_, &unbj1_, &unbj2_})
      command += " --gateway " + node_of(*g) + "@127.0.0.1:" + std::to_string(g->admin_port);
    return run_shell(command + " --attempts 1 " + extra + " < " + stdin_from);
  }

  std::string node_of(const Gateway& g) const {
    return &g == &center_ ? "center-gw1=center" : &g == &unbj1_ ? "unbj-gw1=unbj" : "unbj-gw2=unbj";
  }

  // The gateway's active rules version, and whether a version is pending.
  static std::pair<std::uint64_t, bool> rules_of(const Gateway& g) {
    auto rules = admin(g, http::verb::get, "/rules");
    EXPECT_EQ(rules.status, 200) << rules.body;
    return {rules.json()["active"]["version"].get<std::uint64_t>(), !rules.json()["pending"].is_null()};
  }

  void expect_every_gateway_on(std::uint64_t version) {
    for (const Gateway* g : {&center_, &unbj1_, &unbj2_}) {
      auto [active, pending] = rules_of(*g);
      EXPECT_EQ(active, version) << node_of(*g);
      EXPECT_FALSE(pending) << node_of(*g);
    }
  }

  std::string stdin_file(const std::string& text) const {
    std::string path = center_.dir() + "/answer.txt";
    std::ofstream(path) << text;
    return path;
  }

  Backend center_app_{"hangzhou"}, unbj_app_{"beijing"};
  Gateway center_{config("center-gw1", "center", center_app_), temp_dir(), gateway_flags()};
  Gateway unbj1_{config("unbj-gw1", "unbj", unbj_app_), temp_dir(), gateway_flags()};
  Gateway unbj2_{config("unbj-gw2", "unbj", unbj_app_), temp_dir(), gateway_flags()};
  std::string rules_file_;
};

TEST_F(CutoverCli, PlanOnlyPreviewsAndChangesNothing) {
  Client moving(unbj1_.port, "/ws", "6000");  // slot 6000 moves to center
  moving.expect("Welcome to the server!beijing");
  Shell run = cutover("--plan-only");
  EXPECT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe() << "\n" << run.out;
  EXPECT_NE(run.out.find("cutover v1 -> v2"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("moves unbj \u2192 center [5998, 6380]"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("unbj-gw1 will close 1 live connection(s)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("unbj-gw2 will close 0 live connection(s)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("check gateways-reachable: pass"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("type 'yes'"), std::string::npos) << run.out;
  expect_every_gateway_on(1);
  EXPECT_TRUE(moving.alive("beijing"));
}

TEST_F(CutoverCli, AnythingButYesAtThePromptChangesNothing) {
  Client moving(unbj1_.port, "/ws", "6000");
  moving.expect("Welcome to the server!beijing");
  for (const std::string& answer : {stdin_file("no\n"), std::string("/dev/null")}) {
    SCOPED_TRACE(answer);
    Shell run = cutover("", answer);
    EXPECT_TRUE(run.status.exited && run.status.code == 1) << run.status.describe() << "\n" << run.out;
    EXPECT_NE(run.out.find("type 'yes' to execute: not confirmed; nothing changed"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("prepare"), std::string::npos) << run.out;
    expect_every_gateway_on(1);
  }
  EXPECT_TRUE(moving.alive("beijing"));
  // "yes" executes: the contrast that shows the prompt is what held it back.
  Shell run = cutover("", stdin_file("yes\n"));
  EXPECT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe() << "\n" << run.out;
  EXPECT_NE(run.out.find("outcome: committed, every gateway on v2"), std::string::npos) << run.out;
  expect_every_gateway_on(2);
  EXPECT_EQ(moving.wait_close(2000ms), 4001);
}

TEST_F(CutoverCli, AFailedPreCheckAbortsBeforeAnyChange) {
  // center, the target unit, stops serving: target-serving fails.
  ASSERT_EQ(admin(center_, http::verb::post, "/faults", {{"serving", false}}).status, 200);
  Shell run = cutover("--yes");
  EXPECT_TRUE(run.status.exited && run.status.code == 1) << run.status.describe() << "\n" << run.out;
  EXPECT_NE(run.out.find("check target-serving: fail"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("aborted: pre-check target-serving failed: no serving gateway with a live backend in unit(s): "
                         "center"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("prepare"), std::string::npos) << run.out;
  expect_every_gateway_on(1);
}

TEST_F(CutoverCli, AnAdminApiUnreachableMidRolloutRollsTheOthersBack) {
  Client moving(unbj1_.port, "/ws", "6000");
  moving.expect("Welcome to the server!beijing");
  Client staying(unbj1_.port, "/ws", "8330");
  staying.expect("Welcome to the server!beijing");
  // unbj-gw2, the last one the rollout reaches, refuses connections to its admin API.
  auto fault = admin(unbj2_, http::verb::post, "/faults", {{"admin_unreachable", true}});
  ASSERT_EQ(fault.status, 200) << fault.body;
  // Without skipping, the pre-check stops it before anything changes.
  Shell checked = cutover("--yes");
  EXPECT_TRUE(checked.status.exited && checked.status.code == 1) << checked.out;
  EXPECT_NE(checked.out.find("aborted: pre-check gateways-reachable failed: unreachable: unbj-gw2"), std::string::npos)
      << checked.out;
  // The emergency path: the checks that would catch it are skipped.
  Shell run = cutover("--yes --skip gateways-reachable --skip same-version");
  EXPECT_TRUE(run.status.exited && run.status.code == 1) << run.status.describe() << "\n" << run.out;
  EXPECT_NE(run.out.find("check gateways-reachable: skipped"), std::string::npos) << run.out;
  for (const char* line : {"  prepare center-gw1: ok\n", "  prepare unbj-gw1: ok\n",
                           "  prepare unbj-gw2: Connection refused\n", "  abort center-gw1: ok\n",
                           "  abort unbj-gw1: ok\n", "  unbj-gw2 refused every rollout call: it never left v1\n",
                           "outcome: rolled-back, every gateway on v1 (prepare failed on unbj-gw2: Connection "
                           "refused)\n"})
    EXPECT_NE(run.out.find(line), std::string::npos) << line << " in:\n" << run.out;
  // The prepare on unbj-gw1 closed its moving connection; the rollback put it back on v1.
  EXPECT_EQ(moving.wait_close(2000ms), 4001);
  EXPECT_TRUE(staying.alive("beijing"));
  for (const Gateway* g : {&center_, &unbj1_}) {
    auto [active, pending] = rules_of(*g);
    EXPECT_EQ(active, 1u) << node_of(*g);
    EXPECT_FALSE(pending) << node_of(*g);
  }
  // SIGUSR1 restores unbj-gw2's admin API: it never left v1 either.
  unbj2_.process().send_signal(SIGUSR1);
  std::string endpoint = "127.0.0.1:" + std::to_string(unbj2_.admin_port);
  for (auto until = std::chrono::steady_clock::now() + 3s; std::chrono::steady_clock::now() < until;) {
    if (gateway::http_request(endpoint, "GET", "/health", "", "", 500ms).status != 0) break;
    std::this_thread::sleep_for(20ms);
  }
  expect_every_gateway_on(1);
}

}  // namespace
}  // namespace wsfo::gateway_test
