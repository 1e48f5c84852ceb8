// `wsfo calibrate` end to end on real processes, kept short (300 ms per
// measurement, few connections): the block it writes loads as a scenario's
// simulation block with every figure positive; --into rewrites a scenario's
// block in place and keeps the rest of the file; --testbed adds the client
// fleet's figures, and without it the block has no testbed; bad input is
// exit 2 before anything starts. Also the least-squares line the figures
// come from.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/scenario/scenario_loader.hpp"
#include "simulator/bench/calibration.hpp"
#include "simulator/bench/calibration_fit.hpp"
#include "simulator/bench/client_calibration.hpp"
#include "simulator/bench/json_splice.hpp"

#include "tests/support/test_files.hpp"

namespace wsfo {
namespace calibrate_test {

namespace fs = std::filesystem;
using OrderedJson = nlohmann::ordered_json;

const std::string kSource = WSFO_SOURCE_DIR;

fs::path scratch() {
  fs::path dir = fs::temp_directory_path() / ("wsfo-calibrate-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

using wsfo::test_support::slurp;

// Runs `wsfo calibrate ARGS` (bounded by timeout(1)); the exit status.
int calibrate(const std::string& args, const fs::path& log) {
  std::string command =
      "timeout 60 " + std::string(WSFO_BINARY) + " calibrate " + args + " > " + log.string() + " 2>&1";
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CalibrateFit, LeastSquaresLineThroughNoisyPoints) {
  auto fit = bench::fit_line({{0, 2.1}, {100, 301.9}, {1000, 3002}});
  ASSERT_EQ(fit.error, "");
  EXPECT_NEAR(fit.slope, 3.0, 0.01);
  EXPECT_NEAR(fit.intercept, 2.0, 0.5);
  EXPECT_NE(bench::fit_line({{5, 1}}).error, "");
  EXPECT_NE(bench::fit_line({{5, 1}, {5, 2}}).error, "");
}

TEST(CalibrateFit, DurationsInWholeNanosecondsAndNeverZero) {
  EXPECT_EQ(bench::duration_of_micros(12.0), "12us");
  EXPECT_EQ(bench::duration_of_micros(0.4567), "457ns");
  EXPECT_EQ(bench::duration_of_micros(-3), "1ns");
}

TEST(CalibrateSplice, ReplacesOrAppendsOnlyTheTopLevelKey) {
  const std::string text =
      "{\n  \"name\": \"a}\\\"{\",\n  \"units\": {\"simulation\": [1, {\"x\": 2}]},\n"
      "  \"simulation\": {\"old\": true},\n  \"n\": -1.5e3\n}\n";
  EXPECT_EQ(bench::splice_top_level(text, "simulation", "{\n  \"new\": 1\n}"),
            "{\n  \"name\": \"a}\\\"{\",\n  \"units\": {\"simulation\": [1, {\"x\": 2}]},\n"
            "  \"simulation\": {\n    \"new\": 1\n  },\n  \"n\": -1.5e3\n}\n");
  EXPECT_EQ(bench::splice_top_level("{\n  \"n\": 1\n}", "simulation", "{}"), "{\n  \"n\": 1,\n  \"simulation\": {}\n}");
  EXPECT_EQ(bench::splice_top_level("{\"n\": true}", "simulation", "{}"), "{\"n\": true,\n  \"simulation\": {}}");
  EXPECT_EQ(bench::splice_top_level("{}", "simulation", "1"), "{\"simulation\": 1}");
  EXPECT_EQ(bench::splice_top_level("[1]", "simulation", "1"), "");
}

TEST(Calibrate, WritesALoadableBlockAndRewritesAScenarioInPlace) {
  auto dir = scratch();
  auto block_path = dir / "block.json";
  auto into = dir / "seed.json";
  fs::copy_file(kSource + "/scenarios/seed-msha-cutover.json", into, fs::copy_options::overwrite_existing);
  auto log = dir / "calibrate.log";
  int status = calibrate(
      "--duration 300ms --idle 50 --connections 20 --backends 2 --concurrency 8 --sizes 64,4096 "
      "--fanout 0,50 --client-fanout 2,40 --out " +
          block_path.string() + " --into " + into.string(),
      log);
  ASSERT_EQ(status, 0) << slurp(log);
  auto progress = slurp(log);
  for (auto figure : {"gateway_cpu.handshake", "gateway_cpu.message", "gateway_cpu.message_per_kib",
                      "gateway_cpu.close", "backend_cpu.handshake", "backend_cpu.broadcast", "backend_cpu.message",
                      "backend_cpu.close", "gateway_cpu.tls_handshake"})
    EXPECT_NE(progress.find(figure), std::string::npos) << figure << " not in the progress:\n" << progress;
  // The message figure is a broadcast relayed through a gateway to the largest client fan-out.
  EXPECT_NE(progress.find("gateway fan-out: 40 idle clients through the gateway"), std::string::npos) << progress;
  EXPECT_NE(progress.find("the echo fit's intercept"), std::string::npos) << progress;

  // The block, put into a scenario without one, loads with every figure positive.
  auto block = OrderedJson::parse(slurp(block_path));
  auto small = OrderedJson::parse(slurp(kSource + "/scenarios/regression/node-kill.json"));
  ASSERT_FALSE(small.contains("simulation"));
  small["simulation"] = block.at("simulation");
  auto loaded = scenario::parse_scenario(small.dump());
  ASSERT_TRUE(loaded.scenario) << json::format(loaded.problems.list().front()) << "\n" << block.dump(2);
  ASSERT_TRUE(loaded.scenario->simulation);
  const auto& sim = *loaded.scenario->simulation;
  EXPECT_GT(sim.handshake_cpu.count(), 0);
  EXPECT_GT(sim.message_cpu.count(), 0);
  EXPECT_GT(sim.message_cpu_per_kib.count(), 0);
  EXPECT_GT(sim.backend_cpu.handshake.count(), 0);
  EXPECT_GT(sim.backend_cpu.broadcast.count(), 0);
  EXPECT_GT(sim.backend_cpu.message.count(), 0);
  // The teardown apart from the upgrade: measured on real processes (1 us to 5 ms each).
  for (auto close : {sim.close_cpu, sim.backend_cpu.close}) {
    EXPECT_GE(close.count(), 1'000) << block.dump(2) << "\n" << progress;
    EXPECT_LE(close.count(), 5'000'000) << block.dump(2) << "\n" << progress;
  }
  // Whole microseconds of CPU: figures the load did measure, not the 1ns floor. (The backend's
  // handshake is a difference of measurements that may be near 0; docs/calibrate.md.)
  EXPECT_GT(sim.handshake_cpu.count(), 1000);
  // A full TLS handshake is public-key work: tens of microseconds at least, and measured, not the default.
  EXPECT_GT(sim.tls_handshake_cpu.count(), 20'000) << block.dump(2) << "\n" << progress;
  EXPECT_NE(sim.tls_handshake_cpu, scenario::default_simulation().tls_handshake_cpu);
  EXPECT_GT(sim.message_cpu.count() + sim.message_cpu_per_kib.count(), 1000);
  EXPECT_GT(sim.backend_cpu.broadcast.count() + sim.backend_cpu.message.count(), 1000);
  // A block for hosts of their own: no testbed, in the file or in the progress.
  EXPECT_FALSE(block["simulation"].contains("testbed")) << block.dump(2);
  EXPECT_FALSE(sim.testbed);
  EXPECT_EQ(progress.find("client_cpu"), std::string::npos) << progress;

  // --into: the same block, the seed's links and every other field as they were, in their order.
  auto original_text = slurp(kSource + "/scenarios/seed-msha-cutover.json");
  auto rewritten_text = slurp(into);
  auto block_at = original_text.find("\"simulation\":");
  ASSERT_NE(block_at, std::string::npos);
  EXPECT_EQ(rewritten_text.substr(0, block_at), original_text.substr(0, block_at)) << "the bytes before the block";
  auto original = OrderedJson::parse(original_text);
  auto rewritten = OrderedJson::parse(rewritten_text);
  EXPECT_EQ(rewritten["simulation"]["gateway_cpu"], block["simulation"]["gateway_cpu"]);
  EXPECT_EQ(rewritten["simulation"]["backend_cpu"], block["simulation"]["backend_cpu"]);
  EXPECT_EQ(rewritten["simulation"]["within_unit"], original["simulation"]["within_unit"]);
  EXPECT_EQ(rewritten["simulation"]["between_units"], original["simulation"]["between_units"]);
  std::vector<std::string> keys_before, keys_after;
  for (const auto& [key, value] : original.items()) keys_before.push_back(key);
  for (const auto& [key, value] : rewritten.items()) keys_after.push_back(key);
  EXPECT_EQ(keys_after, keys_before);
  original.erase("simulation");
  rewritten.erase("simulation");
  EXPECT_EQ(rewritten, original);
  EXPECT_TRUE(scenario::load_scenario_file(into.string()).scenario);
  fs::remove_all(dir);
}

TEST(Calibrate, TestbedMeasuresTheClientFleetOnRealProcesses) {
  auto dir = scratch();
  auto block_path = dir / "testbed-block.json";
  auto log = dir / "testbed.log";
  int status = calibrate(
      "--testbed --duration 300ms --idle 50 --connections 20 --backends 1 --concurrency 8 --sizes 64,4096 "
      "--fanout 0,50 --clients 50 --client-fanout 20,200 --client-interval 20ms --out " +
          block_path.string(),
      log);
  ASSERT_EQ(status, 0) << slurp(log);
  auto progress = slurp(log);
  for (auto line : {"client attempts:", "client fan-out: 20 idle clients", "client fan-out: 200 idle clients",
                    "testbed.cores = ", "testbed.client_cpu.handshake = ", "testbed.client_cpu.message = ",
                    "testbed.client_cpu.close = ", "client drops: 200 of 200 connections", "check: per attempt"})
    EXPECT_NE(progress.find(line), std::string::npos) << line << " not in the progress:\n" << progress;

  auto block = OrderedJson::parse(slurp(block_path));
  ASSERT_TRUE(block["simulation"].contains("testbed")) << block.dump(2);
  const auto& testbed = block["simulation"]["testbed"];
  EXPECT_EQ(testbed["cores"], bench::usable_cores());
  auto small = OrderedJson::parse(slurp(kSource + "/scenarios/regression/node-kill.json"));
  small["simulation"] = block.at("simulation");
  auto loaded = scenario::parse_scenario(small.dump());
  ASSERT_TRUE(loaded.scenario) << json::format(loaded.problems.list().front()) << "\n" << block.dump(2);
  ASSERT_TRUE(loaded.scenario->simulation && loaded.scenario->simulation->testbed) << block.dump(2);
  const auto& bed = *loaded.scenario->simulation->testbed;
  EXPECT_EQ(bed.cores, static_cast<double>(bench::usable_cores()));
  // Plausible CPU figures of a real process: 1 us to 5 ms, not the 1ns floor nor a stall.
  for (auto [name, figure] : {std::pair{"handshake", bed.client_handshake}, std::pair{"message", bed.client_message},
                              std::pair{"close", bed.client_close}}) {
    EXPECT_GE(figure.count(), 1'000) << name << "\n" << testbed.dump() << "\n" << progress;
    EXPECT_LE(figure.count(), 5'000'000) << name << "\n" << testbed.dump() << "\n" << progress;
  }
  // A session receives the welcome, the announcement and the echo of its first message.
  auto at = progress.find("less the ", progress.find("testbed.client_cpu.handshake = "));
  ASSERT_NE(at, std::string::npos) << progress;
  double per_attempt = std::stod(progress.substr(at + 9));
  EXPECT_GT(per_attempt, 2.5) << progress;
  EXPECT_LT(per_attempt, 3.5) << progress;
  fs::remove_all(dir);
}

// Exit 2 for an invalid input, 3 for a file that cannot be read (README, "Exit codes").
TEST(Calibrate, BadInputIsOneLineAndExitTwoOrThreeBeforeAnythingStarts) {
  auto dir = scratch();
  auto not_scenario = dir / "not-a-scenario.json";
  std::ofstream(not_scenario) << "{\"name\": \"x\"}\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--sizes 64", "--sizes"},
      {"--sizes 0,64", "--sizes"},
      {"--sizes 64,abc", "--sizes"},
      {"--sizes 64,64", "--sizes"},
      {"--sizes 64,", "--sizes"},
      {"--sizes 64,70000", "--sizes"},
      {"--fanout 10,-1", "--fanout"},
      {"--interval 0s", "--interval"},
      {"--client-fanout 100", "--client-fanout"},
      {"--client-fanout 0,100", "--client-fanout"},
      {"--client-interval 0s", "--client-interval"},
      {"--into " + (dir / "missing.json").string(), "cannot read"},
      {"--into " + not_scenario.string(), "does not load as a scenario"},
      {"--links-from " + not_scenario.string(), "no simulation block"},
  };
  for (const auto& [args, expected] : cases) {
    auto log = dir / "bad.log";
    EXPECT_EQ(calibrate(args, log), expected == "cannot read" ? 3 : 2) << args << ": " << slurp(log);
    auto text = slurp(log);
    EXPECT_NE(text.find(expected), std::string::npos) << args << ": " << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << args << ": " << text;
  }
  fs::remove_all(dir);
}

TEST(Calibrate, AChildThatCannotStartIsAnErrorNamingIt) {
  bench::CalibrationOptions options;
  options.wsfo_exe = "/no/such/wsfo";
  options.backends = 1;
  std::ostringstream progress;
  try {
    bench::calibrate(options, progress);
    FAIL() << "calibrated with no process at all";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/no/such/wsfo"), std::string::npos) << e.what();
  }
  EXPECT_EQ(progress.str().find("figures"), std::string::npos) << progress.str();
}

}  // namespace calibrate_test
}  // namespace wsfo
