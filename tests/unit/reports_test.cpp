#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "reports/report.hpp"

namespace wsfo::reports {
namespace {

using history::Event;
using history::Json;
constexpr std::int64_t ms = 1'000'000;

routing::RuleSet rules(std::uint64_t version, std::int64_t center_last) {
  return *routing::RuleSet::build(version, {{0, center_last, "center"}, {center_last + 1, 9999, "unbj"}},
                                  {"center", "unbj"})
              .rules;
}

Event connected(std::int64_t t, std::uint64_t id, const std::string& unit) {
  return {"connected", t, "c", id,
          Json{{"url", "ws://x/"},
               {"unit", unit},
               {"node", unit + "-1"},
               {"backend", "b"},
               {"handshake_ns", 1},
               {"redirects", 0}}};
}

Event moved(std::int64_t t, std::uint64_t id) {
  return {"disconnected", t, "c", id,
          Json{{"cause", "moved"},
               {"code", 4001},
               {"reason", "unbj->center v2"},
               {"closed_by", "server"},
               {"connected_ns", 1},
               {"unit", "unbj"}}};
}

RunRecord sample_run(bool extra_disconnect) {
  RunRecord run;
  run.scenario = "seed <msha> & cutover";
  run.engine = "live";
  run.start_ns = 0;
  run.end_ns = 10000 * ms;
  run.population = {1111, 6249, 8330};
  run.rules_before = rules(1, 5997);
  run.rules_after = rules(2, 6380);
  for (auto id : run.population) run.history.push_back(connected(100 * ms, id, id == 1111 ? "center" : "unbj"));
  run.history.push_back(moved(5001 * ms, 6249));
  if (extra_disconnect) run.history.push_back(moved(5002 * ms, 8330));
  run.history.push_back(connected(6600 * ms, 6249, "center"));
  if (extra_disconnect) run.history.push_back(connected(6700 * ms, 8330, "unbj"));
  checks::EventWindow window{0, "cutover", 5000 * ms, 10000 * ms, {}};
  window.expect.disconnected = scenario::DisconnectSlots{{{5998, 6380}}};
  window.expect.land_in = "center";
  run.windows = {window};
  cutover::CutoverResult result;
  result.outcome = cutover::Outcome::committed;
  result.from_version = 1;
  result.to_version = 2;
  result.moved = {{5998, 6380, "unbj", "center"}};
  result.checks = {{"rules-valid", cutover::CheckOutcome::Status::pass, 1, ""},
                   {"same-version", cutover::CheckOutcome::Status::skipped, 0, "skipped by the operator"}};
  run.cutovers[0] = result;
  return run;
}

TEST(Reports, TextNamesDisconnectsByCauseAndVerdicts) {
  Report report = build_report(sample_run(false));
  std::ostringstream out;
  write_text(report, out);
  std::string text = out.str();
  EXPECT_NE(text.find("[+5.000s] #0 cutover"), std::string::npos) << text;
  EXPECT_NE(text.find("moves unbj \u2192 center [5998, 6380]"), std::string::npos) << text;
  EXPECT_NE(text.find("same-version=skipped"), std::string::npos) << text;
  EXPECT_NE(text.find("    moved (4001): 6249\n"), std::string::npos) << text;
  EXPECT_NE(text.find("reconnect: p50 1.599s"), std::string::npos) << text;
  EXPECT_NE(text.find("[PASS] disconnected: expected the 1 clients in slots 5998-6380"), std::string::npos) << text;
  EXPECT_NE(text.find("RESULT: PASS (2 of 2 expectations held)"), std::string::npos) << text;
}

TEST(Reports, FailedExpectationShowsEvidenceEverywhere) {
  Report report = build_report(sample_run(true));
  EXPECT_FALSE(report.passed());
  std::ostringstream text, junit, json;
  write_text(report, text);
  write_junit(report, junit);
  write_json(report, json);
  EXPECT_NE(text.str().find("disconnected unexpectedly: 8330"), std::string::npos);
  EXPECT_NE(text.str().find("RESULT: FAIL (0 of 2 expectations held)"), std::string::npos) << text.str();
  EXPECT_NE(junit.str().find("failures=\"2\""), std::string::npos) << junit.str();
  EXPECT_NE(junit.str().find("unbj: 8330"), std::string::npos) << junit.str();
  auto document = Json::parse(json.str());
  EXPECT_EQ(document["passed"], false);
  EXPECT_EQ(document["expectations"][0]["status"], "fail");
  EXPECT_EQ(document["events"][0]["disconnected"]["ranges"], Json::parse("[[6249, 6249], [8330, 8330]]"));
}

TEST(Reports, JunitHasOneEscapedTestcasePerExpectation) {
  Report report = build_report(sample_run(false));
  std::ostringstream out;
  write_junit(report, out);
  std::string xml = out.str();
  std::regex testcase("<testcase ");
  EXPECT_EQ(std::distance(std::sregex_iterator(xml.begin(), xml.end(), testcase), std::sregex_iterator()), 2);
  EXPECT_NE(xml.find("name=\"seed &lt;msha&gt; &amp; cutover\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<failure"), std::string::npos);
}

TEST(Reports, JsonFollowsTheDocumentedSchema) {
  Report report = build_report(sample_run(false));
  std::ostringstream out;
  write_json(report, out);
  auto document = Json::parse(out.str());
  EXPECT_EQ(document["schema"], "wsfo-report/1");
  EXPECT_EQ(document["passed"], true);
  EXPECT_EQ(document["clients"], 3);
  const auto& event = document["events"][0];
  EXPECT_EQ(event["action"], "cutover");
  EXPECT_EQ(event["at_ns"], 5000 * ms);
  EXPECT_EQ(event["disconnected_by_cause"]["moved (4001)"], Json::parse("[[6249, 6249]]"));
  EXPECT_EQ(event["reconnect_ns"]["max"], 1599 * ms);
  EXPECT_EQ(event["cutover"]["outcome"], "committed");
  EXPECT_EQ(event["cutover"]["checks"][1]["status"], "skipped");
}

TEST(Reports, HtmlIsSelfContainedWithItsCharts) {
  Report report = build_report(sample_run(false));
  std::ostringstream out;
  write_html(report, out);
  std::string html = out.str();
  for (auto id : {"chart-connections", "chart-slots", "chart-latency", "expectations", "disconnected"})
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(html.find("class=\"moved\""), std::string::npos);
  EXPECT_NE(html.find("class=\"disconnected-slots\""), std::string::npos);
  EXPECT_NE(html.find("data-unit=\"center\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_NE(html.find("seed &lt;msha&gt; &amp; cutover"), std::string::npos);
}

TEST(Reports, WritesEveryFileOfTheRunDirectory) {
  auto dir = std::filesystem::temp_directory_path() / ("wsfo-report-test-" + std::to_string(::getpid()));
  Report report = build_report(sample_run(false));
  EXPECT_EQ(write_report_dir(report, dir.string()), "");
  for (auto name : {"report.json", "junit.xml", "report.html", "history.jsonl"})
    EXPECT_GT(std::filesystem::file_size(dir / name), 0u) << name;
  std::ifstream history(dir / "history.jsonl");
  std::string line;
  std::size_t lines = 0;
  while (std::getline(history, line)) {
    std::string error;
    EXPECT_TRUE(history::parse_event_line(line, error)) << error;
    ++lines;
  }
  EXPECT_EQ(lines, report.run.history.size());
  std::filesystem::remove_all(dir);
  EXPECT_NE(write_report_dir(report, "/proc/no-such-dir/x"), "");
}

}  // namespace
}  // namespace wsfo::reports
