// `wsfo run` on the seed cutover (issue 5, "Done when"), with shorter timings
// and a smaller background population so it stays quick under sanitizers:
// the report names as disconnected at the cutover exactly the routerIds whose
// slot is in 5998-6380, all reconnected to center, and the run exits 0; a
// copy whose expectation names a wrong range exits 1 and shows the difference.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/routing/router_id.hpp"
#include "core/scenario/client_population.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "process/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using wsfo::process::ChildProcess;
namespace fs = std::filesystem;

const fs::path kSourceDir = WSFO_SOURCE_DIR;

struct RunResult {
  int exit_code = -1;
  std::string stdout_text;
  json report;
};

class RunSeed : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wsfo-run-seed-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);  // kept for a look when the test failed
  }

  // The seed with timings cut down (cutover at 4 s, run 13 s), 600 + 100
  // background clients, and its own addresses (`center_net`, `unbj_net` replace
  // 127.0.10 / 127.0.20) so both tests may run at once.
  fs::path shortened_seed(const std::string& center_net, const std::string& unbj_net,
                          const json& expected_disconnected) {
    std::ifstream in(kSourceDir / "scenarios/seed-msha-cutover.json");
    json seed = json::parse(in);
    seed["duration"] = "13s";
    seed["timeline"][0]["at"] = "4s";
    seed["timeline"][0]["expect"]["disconnected"] = expected_disconnected;
    seed["timeline"][1]["at"] = "10s";
    for (auto& group : seed["clients"]) {
      if (group["name"] == "fleet") group["router_ids"]["random"]["count"] = 600;
      if (group["name"] == "browsers") group["router_ids"]["to"] = 20099;
    }
    std::string text = seed.dump(2);
    for (auto [from, to] :
         {std::pair{std::string("127.0.10."), center_net + "."}, std::pair{std::string("127.0.20."), unbj_net + "."}})
      for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    fs::path path = dir_ / "seed-short.json";
    std::ofstream(path) << text;
    return path;
  }

  RunResult run(const fs::path& scenario) {
    RunResult result;
    ChildProcess wsfo({WSFO_BINARY, "run", scenario.string(), "--report-dir", (dir_ / "out").string()},
                      (dir_ / "run.stderr").string());
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto line = wsfo.read_stdout_line(1s);
      if (line) {
        result.stdout_text += *line + "\n";
      } else if (auto status = wsfo.wait_for_exit(0ms)) {
        result.exit_code = status->exited ? status->code : 128 + status->signal;
        break;
      }
    }
    std::ifstream report(dir_ / "out/report.json");
    if (report) result.report = json::parse(report, nullptr, false);
    return result;
  }

  // The routerIds of the scenario's population whose slot is in [first, last].
  static std::set<std::uint64_t> population_in_slots(const fs::path& scenario, std::uint32_t first,
                                                     std::uint32_t last) {
    auto loaded = wsfo::scenario::load_scenario_file(scenario.string());
    std::set<std::uint64_t> ids;
    if (!loaded.scenario) return ids;
    for (const auto& member : wsfo::scenario::expand_population(*loaded.scenario)) {
      auto slot = wsfo::routing::slot_of(member.router_id, 10000);
      if (slot >= first && slot <= last) ids.insert(member.router_id);
    }
    return ids;
  }

  static std::set<std::uint64_t> expand_ranges(const json& ranges) {
    std::set<std::uint64_t> ids;
    for (const auto& range : ranges)
      for (auto id = range[0].get<std::uint64_t>(); id <= range[1].get<std::uint64_t>(); ++id) ids.insert(id);
    return ids;
  }

  fs::path dir_;
};

json slots(std::uint32_t first, std::uint32_t last) {
  return {{"slots", json::array({{{"from", first}, {"to", last}}})}};
}

TEST_F(RunSeed, CutoverDisconnectsExactlyTheMovedSlotsAndTheyReconnectToCenter) {
  fs::path scenario = shortened_seed("127.0.12", "127.0.22", slots(5998, 6380));
  // Leftovers of an earlier run in the same directory must not leak in: a
  // state file would start center on other rules, old events would mix in.
  fs::create_directories(dir_ / "out/state");
  fs::create_directories(dir_ / "out/events");
  std::ofstream(dir_ / "out/state/center-gw1.rules.json") << "left over, not JSON";
  std::ofstream(dir_ / "out/events/clients-fleet-0.jsonl") << "left over, not JSON\n";
  RunResult result = run(scenario);
  ASSERT_EQ(result.exit_code, 0) << result.stdout_text << "\nstderr in " << dir_ / "run.stderr";
  ASSERT_TRUE(result.report.is_object()) << "no report.json in " << dir_ / "out";
  EXPECT_TRUE(result.report["passed"].get<bool>());

  std::set<std::uint64_t> moved = population_in_slots(scenario, 5998, 6380);
  ASSERT_GT(moved.size(), 10u);  // 6249 plus about 4 % of 600 random clients
  EXPECT_TRUE(moved.count(6249));
  const json& cutover = result.report["events"][0];
  EXPECT_EQ(cutover["action"], "cutover");
  EXPECT_EQ(cutover["cutover"]["outcome"], "committed");
  EXPECT_EQ(expand_ranges(cutover["disconnected"]["ranges"]), moved);
  EXPECT_EQ(expand_ranges(cutover["disconnected_by_cause"]["moved (4001)"]), moved);
  EXPECT_EQ(cutover["not_reconnected"], 0);
  EXPECT_EQ(cutover["reconnected_to"], (json{{"center", moved.size()}}));
  EXPECT_EQ(result.report["events"][1]["disconnected"]["count"], 0);
  EXPECT_NE(result.stdout_text.find("RESULT: PASS"), std::string::npos) << result.stdout_text;

  // The cutover went through closed admin APIs: the run wrote one token
  // (mode 0600) and every gateway read it instead of generating its own.
  fs::path token = dir_ / "out/state/admin-token";
  ASSERT_TRUE(fs::exists(token));
  EXPECT_EQ(fs::status(token).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  std::ifstream token_in(token);
  std::string token_text;
  std::getline(token_in, token_text);
  EXPECT_EQ(token_text.size(), 64u);
  std::size_t gateway_logs = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / "out/logs")) {
    if (entry.path().filename().string().rfind("gateway", 0) != 0) continue;
    ++gateway_logs;
    std::ifstream log_in(entry.path());
    std::string log((std::istreambuf_iterator<char>(log_in)), {});
    EXPECT_EQ(log.find("admin token written"), std::string::npos) << entry.path();
    EXPECT_NE(log.find("prepared v2"), std::string::npos) << entry.path();
  }
  EXPECT_EQ(gateway_logs, 2u);
}

TEST_F(RunSeed, WrongExpectedRangeExitsOneAndTheReportShowsTheDifference) {
  // Expect 5998-6300: the clients of slots 6301-6380 disconnect "unexpectedly".
  fs::path scenario = shortened_seed("127.0.13", "127.0.23", slots(5998, 6300));
  RunResult result = run(scenario);
  ASSERT_EQ(result.exit_code, 1) << result.stdout_text << "\nstderr in " << dir_ / "run.stderr";
  ASSERT_TRUE(result.report.is_object());
  EXPECT_FALSE(result.report["passed"].get<bool>());

  std::set<std::uint64_t> extra = population_in_slots(scenario, 6301, 6380);
  ASSERT_FALSE(extra.empty());
  const json* verdict = nullptr;
  for (const auto& v : result.report["expectations"])
    if (v["event"] == 0 && v["check"] == "disconnected") verdict = &v;
  ASSERT_NE(verdict, nullptr);
  EXPECT_EQ((*verdict)["status"], "fail");
  std::string evidence = (*verdict)["evidence"];
  EXPECT_EQ(evidence.find("expected but stayed connected"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("disconnected unexpectedly: "), std::string::npos) << evidence;
  for (auto id : extra) EXPECT_NE(evidence.find(std::to_string(id)), std::string::npos) << id << " in " << evidence;
  EXPECT_NE(result.stdout_text.find("[FAIL] disconnected"), std::string::npos) << result.stdout_text;
  EXPECT_NE(result.stdout_text.find("RESULT: FAIL"), std::string::npos);
}

}  // namespace
