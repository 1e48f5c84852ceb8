#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "process/child_process.hpp"
#include "reports/report.hpp"
#include "reports/seed_trace.hpp"
#include "tests/support/history_events.hpp"
#include "tests/support/sample_run.hpp"

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
  return test::connected_event(t, id, unit, unit + "-1", "c");
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
  EXPECT_NE(junit.str().find("\nevidence: disconnected unexpectedly: 8330"), std::string::npos) << junit.str();
  EXPECT_NE(junit.str().find("type=\"disconnected\""), std::string::npos) << junit.str();
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

TEST(Reports, ARunWithAFailedPartIsUnknownInEveryFormat) {
  RunRecord run = sample_run(false);
  run.part_failures.push_back("clients fleet#1 died: exit code 1; last log line: <bad & odd>");
  Report report = build_report(std::move(run));
  EXPECT_FALSE(report.judgeable());
  EXPECT_FALSE(report.passed());  // its expectations held, but over a broken run
  EXPECT_STREQ(report.verdict(), "UNKNOWN");
  std::ostringstream text, junit, json, html;
  write_text(report, text);
  write_junit(report, junit);
  write_json(report, json);
  write_html(report, html);
  const std::string said = text.str();
  ASSERT_NE(said.find("COULD NOT BE JUDGED"), std::string::npos) << said;
  EXPECT_LT(said.find("COULD NOT BE JUDGED"), said.find("[+")) << "said before the first event:\n" << said;
  EXPECT_NE(text.str().find("part failed: clients fleet#1 died"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("RESULT: UNKNOWN"), std::string::npos) << text.str();
  EXPECT_NE(junit.str().find("errors=\"1\""), std::string::npos) << junit.str();
  EXPECT_NE(junit.str().find("<error type=\"part-failed\" message=\"clients fleet#1 died: exit code 1; last log "
                             "line: &lt;bad &amp; odd&gt;\""),
            std::string::npos)
      << junit.str();
  auto document = Json::parse(json.str());
  EXPECT_EQ(document["verdict"], "UNKNOWN");
  EXPECT_EQ(document["passed"], false);
  EXPECT_EQ(document["part_failures"].size(), 1u);
  EXPECT_NE(html.str().find("class=\"verdict unknown\""), std::string::npos);
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

  // The simulator writes history.jsonl itself: the report leaves it alone.
  EXPECT_EQ(write_report_dir(report, dir.string(), HistoryFile::by_caller), "");
  EXPECT_TRUE(std::filesystem::exists(dir / "report.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "history.jsonl"));
  std::filesystem::remove_all(dir);
}

std::string text_of(const Report& report) {
  std::ostringstream out;
  write_text(report, out);
  return out.str();
}

TEST(Reports, TextTracesDisconnectedClientsInTheSeedsStyle) {
  Report report = build_report(test::sample_run());
  std::string text = text_of(report);
  // 6003 is the first moved client: closed at +5.024s (4001), retries 1500 ms later, redirected to center.
  EXPECT_NE(text.find("  // 6003\n"
                      "    disconnected  (moved (4001): moved: unbj -> center (rules v2))\n"
                      "    !!! reconnecting in ...1500 ms\n"
                      "    !!! redirecting... from  ws://websocket.msha.tech:8020/  to "
                      "ws://center.websocket.msha.tech:8020/\n"
                      "    connected:6003  (center, center-1, back after 1.508s)\n"
                      "    msg: Welcome to the server!hangzhou\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(39 reconnected: center 39)"), std::string::npos) << text;
  // A refused attempt shows, and the delay of the next attempt counts from it.
  EXPECT_NE(text.find("    !!! failed: connection refused\n    !!! reconnecting in ..."), std::string::npos) << text;
}

TEST(Reports, SeedTraceOfAClientThatNeverCameBack) {
  std::vector<Event> history = {moved(10 * ms, 42)};
  auto lines = seed_trace(history, 42, 0, 100 * ms);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "(not reconnected by the end of the run)");
  EXPECT_TRUE(seed_trace(history, 43, 0, 100 * ms).empty());
  EXPECT_EQ(trace_samples({1, 2, 3, 4, 5}), (std::vector<std::uint64_t>{1, 3, 5}));
  EXPECT_EQ(trace_samples({7}), (std::vector<std::uint64_t>{7}));
}

TEST(Reports, VipFaultShowsTakeoverTimeAndClientDowntime) {
  Report report = build_report(test::sample_run());
  ASSERT_EQ(report.vip_faults.size(), 1u);
  const VipFault& fault = report.vip_faults[0];
  EXPECT_EQ(fault.old_master, "unbj-1");
  // Clients of unbj-1 still on unbj after the cutover: routerIds 20k+3 with slot >= 6381, k = 319..499.
  EXPECT_EQ(fault.clients_down, 181u);
  EXPECT_EQ(fault.not_back, 0u);
  // The last is back 3.4 s (takeover) + 200 ms + the largest id % 300 among them (283 ms) + the 5 ms
  // handshake after the kill.
  ASSERT_TRUE(fault.all_back_after_ns);
  EXPECT_EQ(*fault.all_back_after_ns, 3888 * ms);
  std::string text = text_of(report);
  EXPECT_NE(text.find("  VIP vip-unbj taken over by unbj-2 after 3.400s (from unbj-1)\n"
                      "    client downtime: 181 clients of unbj-1 disconnected; p50 "),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("; all back 3.888s after the event\n"), std::string::npos) << text;
  std::ostringstream json;
  write_json(report, json);
  auto takeover = Json::parse(json.str())["takeovers"][0];
  EXPECT_EQ(takeover["old_master"], "unbj-1");
  EXPECT_EQ(takeover["after_ns"], 3400 * ms);
  EXPECT_EQ(takeover["clients_down"], 181);
  EXPECT_EQ(takeover["all_back_after_ns"], 3888 * ms);
  EXPECT_EQ(takeover["downtime_ns"]["count"], 181);
}

TEST(Reports, NoVipLinesWithoutVrrpEvents) {
  Report report = build_report(sample_run(false));
  EXPECT_TRUE(report.vip_faults.empty());
  EXPECT_EQ(text_of(report).find("VIP "), std::string::npos);
}

// The sample run with a partition in place of the kill: unbj-1 lives on as MASTER of vip-unbj while unbj-2
// takes it over at +13.4 s, until a heal at +16 s sends unbj-2 back to BACKUP half a second later.
RunRecord split_brain_run(bool expect_none_in_partition = false) {
  RunRecord run = test::sample_run();
  const std::int64_t heal_at = run.start_ns + 16000 * ms, settled_at = run.start_ns + 18000 * ms;
  auto& partition = run.windows[1];
  partition.name = "partition";
  partition.node_down.clear();
  partition.end_ns = heal_at;
  partition.expect = {};
  partition.expect.split_brain = !expect_none_in_partition;
  checks::EventWindow heal{2, "heal", heal_at, settled_at, {}};
  checks::EventWindow settled{3, "wait", settled_at, run.end_ns, {}};
  settled.expect.split_brain = false;
  run.windows.push_back(heal);
  run.windows.push_back(settled);
  run.history.push_back(history::make_event(
      {heal_at + 500 * ms, "unbj-2", std::nullopt},
      history::VipRecord{"vip-unbj", "unbj-2", "127.0.2.10", "MASTER", "BACKUP", "advert priority 100 outranks", 100}));
  std::stable_sort(run.history.begin(), run.history.end(),
                   [](const Event& a, const Event& b) { return a.t_ns < b.t_ns; });
  return run;
}

TEST(Reports, SplitBrainVerdictAndIntervalsInEveryFormat) {
  Report report = build_report(split_brain_run());
  EXPECT_TRUE(report.passed());
  std::ostringstream text, junit, json, html;
  write_text(report, text);
  write_junit(report, junit);
  write_json(report, json);
  write_html(report, html);
  const std::string interval = "vip-unbj (127.0.2.10): unbj-1 + unbj-2 MASTER from +13.400 s to +16.500 s (3.100 s)";
  EXPECT_NE(text.str().find("Split brain (two or more nodes MASTER for one VIP at once"), std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("  " + interval + "\n"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("[PASS] split-brain: expected two or more nodes MASTER"), std::string::npos) << text.str();
  auto document = Json::parse(json.str());
  ASSERT_EQ(document["split_brains"].size(), 1u) << json.str();
  const auto& split = document["split_brains"][0];
  EXPECT_EQ(split["instance"], "vip-unbj");
  EXPECT_EQ(split["vip"], "127.0.2.10");
  EXPECT_EQ(split["nodes"], Json::parse(R"(["unbj-1", "unbj-2"])"));
  EXPECT_EQ(split["from_ns"], 13400 * ms);
  EXPECT_EQ(split["to_ns"], 16500 * ms);
  EXPECT_EQ(split["duration_ns"], 3100 * ms);
  EXPECT_EQ(split["until_end"], false);
  EXPECT_EQ(split["events"], Json::parse("[1, 2]"));
  std::vector<std::string> split_verdicts;
  for (const auto& e : document["expectations"])
    if (e["check"] == "split-brain")
      split_verdicts.push_back(std::to_string(e["event"].get<int>()) + ":" + e["status"].get<std::string>());
  EXPECT_EQ(split_verdicts, (std::vector<std::string>{"1:pass", "3:pass"}));
  EXPECT_NE(
      junit.str().find("<property name=\"split-brain\" value=\"" + interval + ", times from the run&apos;s start\"/>"),
      std::string::npos)
      << junit.str();
  EXPECT_NE(junit.str().find("classname=\"sample-cutover-and-kill.event1-partition\" name=\"split-brain\"></testcase>"),
            std::string::npos)
      << junit.str();
  EXPECT_NE(html.str().find("<table id=\"split-brains\">"), std::string::npos);
  EXPECT_NE(html.str().find("<td>vip-unbj</td><td>127.0.2.10</td><td>unbj-1 + unbj-2</td><td>+13.400s</td>"),
            std::string::npos)
      << html.str();
  EXPECT_NE(html.str().find("<td>#1 partition, #2 heal</td>"), std::string::npos) << html.str();
}

TEST(Reports, AnUnexpectedSplitBrainFailsInEveryFormat) {
  Report report = build_report(split_brain_run(true));
  EXPECT_FALSE(report.passed());
  std::ostringstream text, junit, json, html;
  write_text(report, text);
  write_junit(report, junit);
  write_json(report, json);
  write_html(report, html);
  EXPECT_NE(text.str().find("[FAIL] split-brain: expected never two nodes MASTER"), std::string::npos) << text.str();
  EXPECT_NE(junit.str().find("<failure type=\"split-brain\" message=\"expected never two nodes MASTER for one VIP at "
                             "once in this event&apos;s window; got vip-unbj (127.0.2.10): unbj-1 + unbj-2 MASTER from "
                             "+3.400 s to +6.500 s (3.100 s) (times from the event)\""),
            std::string::npos)
      << junit.str();
  auto document = Json::parse(json.str());
  EXPECT_EQ(document["passed"], false);
  bool failed = false;
  for (const auto& e : document["expectations"])
    failed = failed || (e["check"] == "split-brain" && e["event"] == 1 && e["status"] == "fail");
  EXPECT_TRUE(failed) << json.str();
  EXPECT_NE(html.str().find("<tr class=\"fail\"><td>#1</td><td>split-brain</td>"), std::string::npos) << html.str();
}

TEST(Reports, AKillIsNoSplitBrain) {
  // The killed MASTER writes nothing more; its MASTER ends at the kill, before unbj-2 takes over.
  Report report = build_report(test::sample_run());
  EXPECT_TRUE(report.analysis.split_brains.empty());
  std::ostringstream json, html;
  write_json(report, json);
  write_html(report, html);
  EXPECT_EQ(Json::parse(json.str())["split_brains"], Json::array());
  EXPECT_EQ(html.str().find("split-brains"), std::string::npos);
}

TEST(Reports, JsonValidatesAgainstTheSchemaFile) {
  auto dir = std::filesystem::temp_directory_path() / ("wsfo-report-schema-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv = {"/usr/bin/python3", std::string(WSFO_SOURCE_DIR) + "/tests/report_schema_check.py",
                                   std::string(WSFO_SOURCE_DIR) + "/docs/report.schema.json"};
  int n = 0;
  // The first report, with a split brain, is the one the check breaks to see the schema reject it.
  for (auto run : {split_brain_run(), test::sample_run(), test::sample_run(true), sample_run(true)}) {
    auto path = dir / ("report-" + std::to_string(n++) + ".json");
    std::ofstream out(path);
    write_json(build_report(std::move(run)), out);
    argv.push_back(path.string());
  }
  process::ChildProcess python(argv);
  std::string output;
  while (auto line = python.read_stdout_line(std::chrono::seconds(30))) output += *line + "\n";
  auto status = python.wait_for_exit(std::chrono::seconds(30));
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(status) << "python3 did not finish";
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe() << "\n"
                                                   << output << python.read_stderr(std::chrono::seconds(1));
  EXPECT_NE(output.find("4 reports checked"), std::string::npos) << output;
}

TEST(Reports, HtmlSlotMapHasALegendAndOneDisconnectRowPerEvent) {
  Report report = build_report(test::sample_run());
  std::ostringstream out;
  write_html(report, out);
  std::string html = out.str();
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = html.find(needle); at != std::string::npos; at = html.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_GT(count("class=\"disconnected-slots\" data-event=\"0\""), 0u);
  EXPECT_GT(count("class=\"disconnected-slots\" data-event=\"1\""), 0u);
  EXPECT_EQ(count("class=\"moved\""), 1u);
  EXPECT_NE(html.find("<title>moved unbj \u2192 center [5998, 6380]</title>"), std::string::npos);
  EXPECT_EQ(count("<g class=\"legend\">"), 3u);  // one per chart
  EXPECT_NE(html.find(">moved slots</text>"), std::string::npos);
  EXPECT_NE(html.find(">disconnected (one row per event)</text>"), std::string::npos);
  EXPECT_NE(html.find(">expected to disconnect</text>"), std::string::npos);
  EXPECT_NE(html.find("<title>#0 expected to disconnect: slots 5998-6380</title>"), std::string::npos);
  EXPECT_EQ(count("class=\"expected-slots\""), 1u);  // the kill expects no set
  EXPECT_EQ(count("class=\"event-marker\""), 2u);
  EXPECT_EQ(count("class=\"disconnected-row\""), 2u);  // moved (4001) at #0, node lost at #1
  EXPECT_NE(html.find("<th>slots</th>"), std::string::npos);
  EXPECT_NE(html.find("id=\"vip-takeovers\""), std::string::npos);
  // Self-contained: nothing the browser would fetch.
  for (auto needle : {"<script", "<link", "src=", "href=", "url(", "@import", "@font-face"})
    EXPECT_EQ(html.find(needle), std::string::npos) << needle;
}

}  // namespace
}  // namespace wsfo::reports
