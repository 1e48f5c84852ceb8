#pragma once
// One run's report (DESIGN.md §4), built from the merged history and judged
// by core/checks; written as text, JSON, JUnit XML and a self-contained HTML
// page. `wsfo run` and `wsfo simulate` both fill a RunRecord.
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/checks/connection_series.hpp"
#include "core/checks/history_checks.hpp"
#include "core/checks/silent_connections.hpp"
#include "core/run/run_record.hpp"
#include "reports/vip_downtime.hpp"

namespace wsfo::reports {

using run::RunRecord;

struct Report {
  RunRecord run;
  checks::Analysis analysis;
  std::vector<checks::SeriesPoint> series;
  std::vector<checks::VipTransition> vip;
  std::vector<checks::Takeover> takeovers;
  std::vector<VipFault> vip_faults;            // one per takeover: takeover time and client downtime
  std::vector<checks::SilentWindow> silent{};  // clients left on a dead connection when a VIP moved

  // A run with a failed part (did not start, died on its own) is neither
  // passed nor failed: what it recorded is not the scenario's behaviour.
  bool judgeable() const { return run.judgeable(); }
  // Stopped by a signal before its end: what was played is reported, and is
  // neither a pass nor a fail of the scenario.
  bool interrupted() const { return run.interrupted.has_value(); }
  bool passed() const { return judgeable() && !interrupted() && analysis.passed(); }
  const char* verdict() const {
    return interrupted() ? "INTERRUPTED" : !judgeable() ? "UNKNOWN" : passed() ? "PASS" : "FAIL";
  }
};

Report build_report(RunRecord run);

// "SIGINT at +12.345s, 2 of 4 timeline events played": an interrupted run's
// one-line account, for every report format; "" when it was not interrupted.
std::string interruption_summary(const Report& report);

void write_text(const Report& report, std::ostream& out);
void write_json(const Report& report, std::ostream& out);   // schema: docs/report-json.md
void write_junit(const Report& report, std::ostream& out);  // one testcase per expectation
void write_html(const Report& report, std::ostream& out);   // self-contained, inline SVG

// Who writes history.jsonl: the report, from its run's history, or the caller
// (the simulator keeps only a slim history in memory and writes every field
// from its own log).
enum class HistoryFile { from_report, by_caller };

// Writes report.json, junit.xml, report.html and, unless the caller writes it,
// history.jsonl into `dir` (created if needed); returns an error message or empty.
std::string write_report_dir(const Report& report, const std::string& dir,
                             HistoryFile history = HistoryFile::from_report);

}  // namespace wsfo::reports
