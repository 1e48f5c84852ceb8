// A run stopped by SIGINT/SIGTERM before its end: the player stops where it
// is and records what it did not play; the report keeps the verdicts of the
// windows played to their end, says unknown for the rest, and every format
// says the run was interrupted. No sockets, no clock.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/run/timeline_player.hpp"
#include "process/child_process.hpp"
#include "reports/report.hpp"
#include "tests/support/sample_run.hpp"
#include "tests/unit/test_scenarios.hpp"

namespace run_interrupted_test {

using namespace wsfo;

constexpr std::int64_t kStart = 1'000'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;

// Time moves only when the player sleeps; a stop is requested once it
// reaches `stop_at` (a sleep past it ends there, as a signal would end it).
class StoppingClock : public run::RunClock {
 public:
  StoppingClock(std::int64_t start, std::int64_t stop_at) : now_(start), stop_at_(stop_at) {}
  std::int64_t now_ns() override { return now_; }
  void sleep_until_ns(std::int64_t t) override { now_ = std::max(now_, std::min(t, stop_at_)); }
  bool stop_requested() override { return now_ >= stop_at_; }

 private:
  std::int64_t now_;
  std::int64_t stop_at_;
};

class CountingNemesis : public run::Nemesis {
 public:
  std::vector<std::string> started;
  void action_started(std::size_t index, const std::string& name, std::int64_t) override {
    started.push_back("#" + std::to_string(index) + " " + name);
  }
  std::string kill_node(const scenario::KillNode&) override { return {}; }
  std::string power_off(const scenario::PowerOff&) override { return {}; }
  std::string restore_node(const scenario::RestoreNode&) override { return {}; }
  std::string stop_gateway(const scenario::StopGateway&) override { return {}; }
  std::string start_gateway(const scenario::StartGateway&) override { return {}; }
  std::string kill_backend(const scenario::BackendKill&) override { return {}; }
  std::string restore_backend(const scenario::BackendRestore&) override { return {}; }
  std::string add_backend(const scenario::BackendAdd&, const scenario::Scenario&) override { return {}; }
  std::string remove_backend(const scenario::BackendRemove&, const scenario::Scenario&) override { return {}; }
  std::string partition(const scenario::Partition&) override { return {}; }
  std::string heal(const scenario::Heal&) override { return {}; }
  std::string add_clients(const scenario::ClientsAdd&) override { return {}; }
  std::string admin_unreachable(const scenario::AdminUnreachable&) override { return {}; }
  std::string admin_slow(const scenario::AdminSlow&) override { return {}; }
  std::string admin_restore(const scenario::AdminRestore&) override { return {}; }
  std::map<std::string, std::optional<std::uint64_t>> gateway_versions() override { return {{"gw", 1}}; }
};

class NoAdmin : public cutover::GatewayAdmin {
 public:
  cutover::GatewayStatus status(const cutover::GatewayRef&) override { return {}; }
  cutover::PreviewReply preview(const cutover::GatewayRef&, const routing::RuleSet&) override { return {}; }
  cutover::AdminReply prepare(const cutover::GatewayRef&, const routing::RuleSet&) override { return {}; }
  cutover::AdminReply commit(const cutover::GatewayRef&, std::uint64_t) override { return {}; }
  cutover::AdminReply abort(const cutover::GatewayRef&, std::uint64_t) override { return {}; }
  void sleep(cutover::Duration) override {}
  cutover::Duration now() override { return {}; }
};

run::RunRecord play_until(const scenario::Scenario& s, std::int64_t stop_at, CountingNemesis& nemesis) {
  StoppingClock clock(kStart, stop_at);
  NoAdmin admin;
  run::RunRecord record;
  run::TimelinePlayer(s, {nemesis, admin, clock, {}, {}}).play(record);
  return record;
}

TEST(RunInterrupted, ThePlayerStopsWhereItIsAndRecordsTheEventsItDidNotPlay) {
  // node-kill: kill at 3 s, restore at 5 s, wait at 8 s, end at 10 s; stopped at 6 s.
  auto s = test::load_project_scenario("regression/node-kill.json");
  CountingNemesis nemesis;
  run::RunRecord record = play_until(s, kStart + 6 * kSecond, nemesis);

  EXPECT_EQ(nemesis.started, (std::vector<std::string>{"#0 kill", "#1 restore"}));
  ASSERT_EQ(record.windows.size(), 2u);
  EXPECT_EQ(record.end_ns, kStart + 6 * kSecond);
  EXPECT_EQ(record.windows[0].end_ns, kStart + 5 * kSecond);
  EXPECT_EQ(record.windows[1].end_ns, record.end_ns);  // cut short: it was to run to 8 s
  ASSERT_TRUE(record.interrupted);
  EXPECT_TRUE(record.interrupted->timeline_cut);
  EXPECT_EQ(record.interrupted->at_ns, kStart + 6 * kSecond);
  EXPECT_EQ(record.interrupted->planned_end_ns, kStart + 10 * kSecond);
  EXPECT_TRUE(record.interrupted->cause.empty());  // the engine names the signal
  ASSERT_EQ(record.interrupted->unplayed.size(), 1u);
  const auto& never = record.interrupted->unplayed[0];
  EXPECT_EQ(never.index, 2u);
  EXPECT_EQ(never.name, "wait");
  EXPECT_EQ(never.start_ns, kStart + 8 * kSecond);  // where it was planned
  EXPECT_EQ(never.end_ns, kStart + 10 * kSecond);
  EXPECT_TRUE(never.expect.disconnected.has_value());
}

TEST(RunInterrupted, AStopBeforeTheFirstEventLeavesEveryEventUnplayed) {
  auto s = test::load_project_scenario("regression/node-kill.json");
  CountingNemesis nemesis;
  run::RunRecord record = play_until(s, kStart + kSecond, nemesis);
  EXPECT_TRUE(nemesis.started.empty());
  EXPECT_TRUE(record.windows.empty());
  ASSERT_TRUE(record.interrupted);
  EXPECT_EQ(record.interrupted->unplayed.size(), s.timeline.size());
}

TEST(RunInterrupted, AClockThatNeverStopsLeavesTheRecordUninterrupted) {
  auto s = test::load_project_scenario("regression/node-kill.json");
  CountingNemesis nemesis;
  run::RunRecord record = play_until(s, kStart + 60 * kSecond, nemesis);
  EXPECT_EQ(record.windows.size(), s.timeline.size());
  EXPECT_FALSE(record.interrupted);
}

// The sample run (cutover at +5 s, kill at +10 s, end at +20 s) stopped by
// SIGINT at +12 s, before a `wait` planned at +15 s.
reports::Report interrupted_sample() {
  reports::RunRecord run = test::sample_run();
  run.end_ns = run.start_ns + 12 * kSecond;
  run.windows[1].end_ns = run.end_ns;
  run::Interruption stop;
  stop.cause = "SIGINT";
  stop.at_ns = run.end_ns;
  stop.planned_end_ns = run.start_ns + 20 * kSecond;
  stop.timeline_cut = true;
  checks::EventWindow never{2, "wait", run.start_ns + 15 * kSecond, stop.planned_end_ns, {}};
  never.expect.disconnected = scenario::DisconnectNone{};
  stop.unplayed = {never};
  run.interrupted = stop;
  return reports::build_report(std::move(run));
}

std::vector<checks::Verdict> verdicts_of(const reports::Report& report, std::size_t event) {
  std::vector<checks::Verdict> out;
  for (const auto& v : report.analysis.verdicts)
    if (v.event == event) out.push_back(v);
  return out;
}

TEST(RunInterrupted, WindowsPlayedToTheirEndKeepTheirVerdictsTheRestAreUnknown) {
  reports::Report full = reports::build_report(test::sample_run());
  reports::Report report = interrupted_sample();
  EXPECT_FALSE(report.passed());
  EXPECT_STREQ(report.verdict(), "INTERRUPTED");

  // #0 (the cutover) ended at +10 s, before the stop: judged as in the full run.
  auto before = verdicts_of(full, 0), after = verdicts_of(report, 0);
  ASSERT_EQ(after.size(), before.size());
  ASSERT_FALSE(after.empty());
  for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].status, before[i].status) << after[i].check;

  // #1 (the kill) was cut short: unknown, with what it showed so far.
  auto cut = verdicts_of(report, 1);
  ASSERT_FALSE(cut.empty());
  for (const auto& v : cut) {
    EXPECT_EQ(v.status, checks::Status::unknown) << v.check;
    EXPECT_NE(v.evidence.find("cut short by SIGINT at +12.000s, 3000 ms before its planned end; so far it would"),
              std::string::npos)
        << v.evidence;
  }
  // #2 was never played: its expectation is there, unknown.
  auto never = verdicts_of(report, 2);
  ASSERT_EQ(never.size(), 1u);
  EXPECT_EQ(never[0].check, "disconnected");
  EXPECT_EQ(never[0].status, checks::Status::unknown);
  EXPECT_EQ(never[0].actual, "not played");
  EXPECT_NE(never[0].evidence.find("stopped by SIGINT at +12.000s"), std::string::npos) << never[0].evidence;
}

TEST(RunInterrupted, EveryReportFormatSaysTheRunWasInterrupted) {
  reports::Report report = interrupted_sample();
  EXPECT_EQ(reports::interruption_summary(report), "SIGINT at +12.000s of 20.0s, 2 of 3 timeline events played");

  std::ostringstream text, json, junit, html;
  reports::write_text(report, text);
  EXPECT_NE(text.str().find("INTERRUPTED: SIGINT at +12.000s of 20.0s, 2 of 3 timeline events played"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("#2 wait: not played"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("RESULT: INTERRUPTED"), std::string::npos) << text.str();

  reports::write_json(report, json);
  auto document = nlohmann::json::parse(json.str());
  EXPECT_EQ(document["verdict"], "INTERRUPTED");
  EXPECT_FALSE(document["passed"].get<bool>());
  const auto& stop = document["interrupted"];
  EXPECT_EQ(stop["signal"], "SIGINT");
  EXPECT_EQ(stop["at_ns"], 12 * kSecond);
  EXPECT_EQ(stop["planned_duration_ns"], 20 * kSecond);
  EXPECT_EQ(stop["events_played"], 2);
  EXPECT_EQ(stop["events_planned"], 3);
  ASSERT_EQ(stop["unplayed"].size(), 1u);
  EXPECT_EQ(stop["unplayed"][0]["action"], "wait");
  EXPECT_EQ(stop["unplayed"][0]["planned_at_ns"], 15 * kSecond);

  reports::write_junit(report, junit);
  EXPECT_NE(junit.str().find("name=\"interrupted\">\n      <error type=\"interrupted\" message=\"interrupted: SIGINT"),
            std::string::npos)
      << junit.str();
  EXPECT_NE(
      junit.str().find("classname=\"sample-cutover-and-kill.event2-wait\" name=\"disconnected\">\n      <skipped"),
      std::string::npos)
      << junit.str();

  reports::write_html(report, html);
  EXPECT_NE(html.str().find("<p class=\"banner\" id=\"interrupted\">Interrupted: SIGINT at +12.000s"),
            std::string::npos);
  EXPECT_NE(html.str().find("class=\"verdict interrupted\""), std::string::npos);
}

TEST(RunInterrupted, TheInterruptedJsonValidatesAgainstTheSchemaFile) {
  const auto path =
      std::filesystem::temp_directory_path() / ("wsfo-interrupted-schema-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    reports::write_json(interrupted_sample(), out);
  }
  process::ChildProcess python({"/usr/bin/python3", std::string(WSFO_SOURCE_DIR) + "/tests/report_schema_check.py",
                                std::string(WSFO_SOURCE_DIR) + "/docs/report.schema.json", path.string()});
  std::string output;
  while (auto line = python.read_stdout_line(std::chrono::seconds(30))) output += *line + "\n";
  auto status = python.wait_for_exit(std::chrono::seconds(30));
  std::filesystem::remove(path);
  ASSERT_TRUE(status) << "python3 did not finish";
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe() << "\n"
                                                   << output << python.read_stderr(std::chrono::seconds(1));
}

TEST(RunInterrupted, AnUninterruptedReportSaysNothingOfIt) {
  reports::Report report = reports::build_report(test::sample_run());
  std::ostringstream json, html;
  reports::write_json(report, json);
  EXPECT_TRUE(nlohmann::json::parse(json.str())["interrupted"].is_null());
  reports::write_html(report, html);
  EXPECT_EQ(html.str().find("id=\"interrupted\""), std::string::npos);
  EXPECT_TRUE(reports::interruption_summary(report).empty());
}

}  // namespace run_interrupted_test
