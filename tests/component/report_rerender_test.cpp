// `wsfo report` on the run directories of short simulated runs: the reports
// it rebuilds from history.jsonl, scenario.json and run.json are the run's
// own, byte for byte (verdicts, split brains, cutover results); bad run
// directories get exit 3 (unreadable) or 2 (invalid, the line named);
// `--compare` prints the two runs' events and disconnected sets side by side.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/test_files.hpp"
#include "tests/support/wsfo_command.hpp"

namespace wsfo::report_rerender_test {
namespace {

namespace fs = std::filesystem;
using test_support::run_wsfo;
using test_support::slurp;

const std::string kScenarios = std::string(WSFO_SOURCE_DIR) + "/scenarios/";
constexpr std::chrono::seconds kLimit{60};

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("wsfo-report-test-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

int exit_code(const test_support::CommandRun& run) { return run.status.exited ? run.status.code : -1; }

// `wsfo simulate SCENARIO --report-dir DIR ARGS`: its exit code.
int simulate(const std::string& scenario, const fs::path& dir, std::vector<std::string> args = {}) {
  std::vector<std::string> argv{"simulate", scenario, "--report-dir", dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = run_wsfo(argv, kLimit);
  EXPECT_LE(exit_code(run), 1) << run.err;
  return exit_code(run);
}

void expect_same_reports(const fs::path& original, const fs::path& rebuilt) {
  for (const char* file : {"report.json", "junit.xml", "report.html"}) {
    const std::string a = slurp(original / file), b = slurp(rebuilt / file);
    EXPECT_FALSE(a.empty()) << original / file;
    EXPECT_TRUE(a == b) << file << " rebuilt from " << original << " differs from the run's own";
  }
}

// Scenarios whose reports carry what the history alone does not say: a
// split-brain verdict (judged against the VIPs' advert intervals), a committed
// cutover and an aborted one (their results), a node kill.
TEST(ReportRerender, RebuiltReportsAreTheRunsOwnByteForByte) {
  fs::path root = scratch("same");
  for (const char* name : {"split-brain", "fenced-cutover", "precheck-abort", "node-kill"}) {
    SCOPED_TRACE(name);
    const std::string scenario = kScenarios + "regression/" + name + ".json";
    fs::path run = root / name, rebuilt = root / (std::string(name) + "-rebuilt");
    const int played = simulate(scenario, run);
    EXPECT_TRUE(slurp(run / "scenario.json") == slurp(scenario)) << "the run keeps the scenario file as given";
    auto facts = nlohmann::json::parse(slurp(run / "run.json"));
    EXPECT_EQ(facts["engine"], "simulate");
    auto report = run_wsfo({"report", run.string(), "--out", rebuilt.string()}, kLimit);
    EXPECT_EQ(exit_code(report), played) << report.err;
    EXPECT_NE(report.out.find("RESULT:"), std::string::npos) << report.out;
    expect_same_reports(run, rebuilt);
    auto json = nlohmann::json::parse(slurp(rebuilt / "report.json"));
    if (std::string(name) == "split-brain") {
      EXPECT_EQ(json["split_brains"].size(), 1u) << json["split_brains"];
    }
    if (std::string(name) == "fenced-cutover") {
      EXPECT_EQ(json["events"][0]["cutover"]["outcome"], "committed");
    }
    // The rebuilt directory is a run directory too.
    auto again = run_wsfo({"report", rebuilt.string()}, kLimit);
    EXPECT_EQ(exit_code(again), played) << again.err;
    expect_same_reports(run, rebuilt);
  }
}

TEST(ReportRerender, BadRunDirectoriesAreRefusedWithTheFileNamed) {
  fs::path root = scratch("bad");
  auto missing = run_wsfo({"report", (root / "nowhere").string()}, kLimit);
  EXPECT_EQ(exit_code(missing), 3);
  EXPECT_NE(missing.err.find("no run directory"), std::string::npos) << missing.err;

  fs::path run = root / "run";
  simulate(kScenarios + "regression/node-kill.json", run);
  fs::path no_history = root / "no-history";
  fs::copy(run, no_history);
  fs::remove(no_history / "history.jsonl");
  auto unreadable = run_wsfo({"report", no_history.string()}, kLimit);
  EXPECT_EQ(exit_code(unreadable), 3);
  EXPECT_NE(unreadable.err.find("has no history.jsonl"), std::string::npos) << unreadable.err;

  fs::path bad_line = root / "bad-line";
  fs::copy(run, bad_line);
  std::string history = slurp(run / "history.jsonl");
  std::size_t third = history.find('\n', history.find('\n') + 1) + 1;  // line 3 loses its t_ns
  history.replace(history.find("\"t_ns\":", third), 7, "\"t_xx\":");
  std::ofstream(bad_line / "history.jsonl") << history;
  auto invalid = run_wsfo({"report", bad_line.string()}, kLimit);
  EXPECT_EQ(exit_code(invalid), 2);
  EXPECT_NE(invalid.err.find("history.jsonl:3: "), std::string::npos) << invalid.err;

  fs::path other = root / "other-scenario";  // scenario.json is not the scenario of this history
  fs::copy(run, other);
  fs::copy_file(kScenarios + "regression/fenced-cutover.json", other / "scenario.json",
                fs::copy_options::overwrite_existing);
  auto mismatch = run_wsfo({"report", other.string()}, kLimit);
  EXPECT_EQ(exit_code(mismatch), 2);
  EXPECT_NE(mismatch.err.find("not in the scenario's timeline"), std::string::npos) << mismatch.err;

  auto usage = run_wsfo({"report", "--compare", run.string()}, kLimit);
  EXPECT_EQ(exit_code(usage), 2);
  EXPECT_NE(usage.err.find("two run directories"), std::string::npos) << usage.err;
}

// The seed cutover with its fleet drawn from another seed: the same events,
// other routerIds disconnected.
TEST(ReportRerender, CompareShowsEachEventsDisconnectedSetsSideBySide) {
  fs::path root = scratch("compare");
  auto scenario = nlohmann::json::parse(slurp(kScenarios + "seed-msha-cutover.json"));
  for (auto& group : scenario["clients"])
    if (group["name"] == "fleet") group["router_ids"]["random"]["seed"] = 7;
  std::ofstream(root / "other-fleet.json") << scenario.dump(2);
  simulate(kScenarios + "seed-msha-cutover.json", root / "a");
  simulate((root / "other-fleet.json").string(), root / "b");
  auto compared = run_wsfo({"report", "--compare", (root / "a").string(), (root / "b").string()}, kLimit);
  EXPECT_EQ(exit_code(compared), 0) << compared.err;
  const std::string& out = compared.out;
  for (const char* text : {"== comparison: A: simulate vs B: simulate ==", "#0 cutover", "#1 wait", "disconnected",
                           "only on A: simulate: ", "reconnect p99", "routerIds whose fate differs"})
    EXPECT_NE(out.find(text), std::string::npos) << "no \"" << text << "\" in:\n" << out;

  simulate(kScenarios + "regression/node-kill.json", root / "c");
  auto different = run_wsfo({"report", "--compare", (root / "a").string(), (root / "c").string()}, kLimit);
  EXPECT_EQ(exit_code(different), 2);
  EXPECT_NE(different.err.find("different timelines"), std::string::npos) << different.err;
}

}  // namespace
}  // namespace wsfo::report_rerender_test
