// `wsfo simulate --sweep` end to end: a restore storm whose reconnect_within
// holds for a few hundred clients and not for a few thousand (the restored
// gateway spends 1 ms of CPU per handshake), so the knee lies in a known
// bracket; the sweep's capacity.json and report.html exist and parse; a
// trial that cannot run stops the sweep (exit 3); bad sweeps exit 2 with one
// line.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/test_files.hpp"

namespace sim_sweep_test {

namespace fs = std::filesystem;
using Json = nlohmann::json;

fs::path scratch_root() { return fs::temp_directory_path() / ("wsfo-sweep-test-" + std::to_string(::getpid())); }

// The scratch directories go when every test passed; a failure keeps them to look at.
class RemoveScratchOnSuccess : public ::testing::Environment {
  void TearDown() override {
    std::error_code ignored;
    if (::testing::UnitTest::GetInstance()->Passed()) fs::remove_all(scratch_root(), ignored);
  }
};
[[maybe_unused]] const auto* const kRemoveScratch = ::testing::AddGlobalTestEnvironment(new RemoveScratchOnSuccess);

fs::path scratch(const std::string& name) {
  fs::path dir = scratch_root() / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

using wsfo::test_support::slurp;

// regression/node-kill.json's two units, one gateway each, with one fleet in
// unbj's slots: unbj-gw1 is killed at 10 s and restored at 11 s; every client
// must be back within `within` of the kill.
fs::path write_storm_scenario(const fs::path& dir, const std::string& within) {
  Json scenario = Json::parse(slurp(std::string(WSFO_SOURCE_DIR) + "/scenarios/regression/node-kill.json"));
  scenario["name"] = "sweep-restore-storm";
  scenario["duration"] = "20s";
  scenario["clients"] = Json::array({{{"name", "fleet"},
                                      {"router_ids", {{"from", 5998}, {"to", 6997}}},
                                      {"url", "ws://websocket.msha.tech:8020/ws"},
                                      {"reconnect", {{"fixed", {{"delay", "500ms"}}}}}}});
  scenario["timeline"] = Json::array(
      {{{"at", "10s"},
        {"action", "kill"},
        {"node", "unbj-gw1"},
        {"expect",
         {{"disconnected", {{"slots", Json::array({{{"from", 5998}, {"to", 9999}}})}}},
          {"reconnect_within", within},
          {"land_in", "unbj"}}}},
       {{"at", "11s"}, {"action", "restore"}, {"node", "unbj-gw1"}, {"expect", {{"disconnected", "none"}}}}});
  scenario["simulation"] = {{"within_unit", {{"latency", "200us"}, {"bandwidth_mbps", 10000}}},
                            {"between_units", {{"latency", "30ms"}, {"bandwidth_mbps", 1000}}},
                            {"gateway_cpu", {{"handshake", "1ms"}, {"message", "5us"}}}};
  fs::path file = dir / "storm.json";
  std::ofstream(file) << scenario.dump(2);
  return file;
}

struct Result {
  int code = -1;
  std::string output;
};

// `wsfo simulate ARGS`, bounded by timeout(1).
Result simulate(const std::string& args, const fs::path& log) {
  std::string command = "timeout 60 " + std::string(WSFO_BINARY) + " simulate " + args + " > " + log.string() + " 2>&1";
  int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(log)};
}

TEST(SimSweep, FindsTheKneeOfARestoreStormAndWritesItsReports) {
  fs::path dir = scratch("knee");
  fs::path scenario = write_storm_scenario(dir, "2500ms");
  fs::path out = dir / "sweep";
  Result result = simulate(scenario.string() + " --sweep fleet=100..4000 --precision 5% --report-dir " + out.string(),
                           dir / "sweep.log");
  ASSERT_EQ(result.code, 0) << result.output;

  Json capacity = Json::parse(slurp(out / "capacity.json"));
  EXPECT_EQ(capacity["knee"]["outcome"], "knee") << capacity.dump(2);
  std::uint64_t passing = capacity["knee"]["largest_passing"];
  std::uint64_t failing = capacity["knee"]["smallest_failing"];
  EXPECT_LT(passing, failing);
  EXPECT_LE(failing - passing, 195u);  // 5% of 3900
  EXPECT_GE(passing, 1300u);
  EXPECT_LE(failing, 1700u);
  // TO first, FROM second, then bisection; each trial's directory has its scenario and run.
  ASSERT_GE(capacity["trials"].size(), 3u);
  EXPECT_EQ(capacity["trials"][0]["population"], 4000);
  EXPECT_EQ(capacity["trials"][0]["verdict"], "fail");
  EXPECT_EQ(capacity["trials"][1]["population"], 100);
  EXPECT_EQ(capacity["trials"][1]["verdict"], "pass");
  for (const auto& trial : capacity["trials"]) {
    fs::path trial_dir = trial["dir"].get<std::string>();
    EXPECT_TRUE(fs::exists(trial_dir / "scenario.json")) << trial_dir;
    EXPECT_TRUE(fs::exists(trial_dir / "run" / "capacity.json")) << trial_dir;
    if (trial["verdict"] == "fail") {
      EXPECT_NE(trial["failed"].dump().find("reconnect-within"), std::string::npos) << trial.dump();
    }
  }
  EXPECT_EQ(capacity["limiting_resource"]["kind"], "gateway-cpu");
  EXPECT_EQ(capacity["limiting_resource"]["name"], "unbj-gw1");
  EXPECT_EQ(capacity["limiting_resource"]["trial"], failing);

  std::string html = slurp(out / "report.html");
  EXPECT_NE(html.find("<svg id=\"chart-sweep\""), std::string::npos);
  EXPECT_NE(html.find("class=\"trial fail\""), std::string::npos);
  EXPECT_NE(html.find("class=\"trial pass\""), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);  // nothing fetched: the chart is inline
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_NE(result.output.find("knee: holds at " + std::to_string(passing)), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("limiting resource: gateway-cpu unbj-gw1"), std::string::npos) << result.output;
}

TEST(SimSweep, HoldsAtToWhenNothingFails) {
  fs::path dir = scratch("holds");
  fs::path scenario = write_storm_scenario(dir, "15s");
  Result result = simulate(scenario.string() + " --sweep fleet=10..200 --report-dir " + (dir / "sweep").string(),
                           dir / "sweep.log");
  ASSERT_EQ(result.code, 0) << result.output;
  Json capacity = Json::parse(slurp(dir / "sweep" / "capacity.json"));
  EXPECT_EQ(capacity["knee"]["outcome"], "holds-at-to");
  EXPECT_EQ(capacity["trials"].size(), 1u);
  EXPECT_NE(result.output.find("no knee within the range"), std::string::npos) << result.output;
}

TEST(SimSweep, ATrialThatCannotRunStopsTheSweepWithExitThree) {
  fs::path dir = scratch("trial-error");
  fs::path scenario = write_storm_scenario(dir, "2500ms");
  // An unknown SimGrid item passed through makes every trial's simulate fail.
  Result result =
      simulate(scenario.string() + " --sweep fleet=100..4000 --cfg no/such:1 --report-dir " + (dir / "sweep").string(),
               dir / "sweep.log");
  EXPECT_EQ(result.code, 3) << result.output;
  EXPECT_NE(result.output.find("trial 4000 (" + (dir / "sweep" / "trial-4000" / "scenario.json").string() +
                               ") could not run: "),
            std::string::npos)
      << result.output;
  Json capacity = Json::parse(slurp(dir / "sweep" / "capacity.json"));
  EXPECT_EQ(capacity["knee"]["outcome"], "trial-error");
  ASSERT_EQ(capacity["trials"].size(), 1u);  // stopped there: no verdict from a trial that did not run
  EXPECT_EQ(capacity["trials"][0]["verdict"], "error");
  EXPECT_TRUE(capacity["knee"]["largest_passing"].is_null());
}

TEST(SimSweep, BadSweepsAreOneLineAndExitTwo) {
  fs::path dir = scratch("bad");
  fs::path scenario = write_storm_scenario(dir, "3s");
  const std::pair<const char*, const char*> cases[] = {
      {"--sweep flet=1..10", "wsfo simulate: --sweep: unknown client group 'flet' (the scenario's groups: fleet)"},
      {"--sweep fleet=10..1", "wsfo simulate: --sweep 'fleet=10..1': FROM (10) is above TO (1)"},
      {"--sweep fleet=0..10", "wsfo simulate: --sweep 'fleet=0..10': FROM must be at least 1 client"},
      {"--sweep fleet10", "wsfo simulate: --sweep 'fleet10': expected GROUP=FROM..TO, e.g. fleet=1000..200000"},
      {"--sweep fleet=1..10 --precision 0", "wsfo simulate: --precision: '0' is not a positive client count"},
      {"--precision 5", "wsfo simulate: --precision needs --sweep"},
  };
  for (const auto& [args, message] : cases) {
    Result result =
        simulate(scenario.string() + " " + args + " --report-dir " + (dir / "out").string(), dir / "bad.log");
    EXPECT_EQ(result.code, 2) << args << ": " << result.output;
    EXPECT_EQ(result.output.rfind(message, 0), 0u) << args << ": " << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    EXPECT_FALSE(fs::exists(dir / "out")) << args;
  }
}

}  // namespace sim_sweep_test
