// report.html: one self-contained page (no scripts, no fonts, no external
// files) with inline SVG charts (reports/html_charts.cpp), the expectations,
// the disconnected routerIds as ranges by cause, and the text summary.
#include <algorithm>
#include <ostream>
#include <sstream>

#include "core/checks/id_ranges.hpp"
#include "reports/format.hpp"
#include "reports/html_charts.hpp"
#include "reports/report.hpp"

namespace wsfo::reports {

namespace {

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;font-size:13px}"
    "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}"
    "tr.pass td:nth-child(3){color:#080}tr.fail td:nth-child(3){color:#c00;font-weight:bold}"
    "pre{background:#f6f6f6;padding:1em;overflow:auto}.verdict{font-size:1.4em;font-weight:bold}"
    ".verdict.fail{color:#c00}.verdict.pass{color:#080}.verdict.unknown,.verdict.interrupted{color:#b60}"
    ".banner{background:#fff3cd;border:2px solid #b60;padding:.6em 1em;font-weight:bold}"
    "svg.chart{display:block;margin:0."
    "5em 0}";

std::string slot_ranges(const std::vector<std::uint64_t>& ids, std::uint32_t modulus) {
  std::vector<std::uint64_t> slots;
  slots.reserve(ids.size());
  for (auto id : ids) slots.push_back(routing::slot_of(id, modulus));
  return checks::format_ids(std::move(slots), 50);
}

void disconnected_table(const Report& report, std::ostream& out) {
  const std::uint32_t modulus = report.run.rules_before.modulus();
  out << "<table id=\"disconnected\"><tr><th>event</th><th>cause</th><th>count</th><th>routerIds</th><th>slots</th>"
         "</tr>\n";
  std::size_t rows = 0;
  for (std::size_t i = 0; i < report.run.windows.size(); ++i)
    for (const auto& [cause, ids] : report.analysis.windows[i].disconnected_by_cause) {
      out << "<tr class=\"disconnected-row\"><td>#" << report.run.windows[i].index << " "
          << xml_escape(report.run.windows[i].name) << "</td><td>" << xml_escape(cause) << "</td><td>" << ids.size()
          << "</td><td>" << xml_escape(checks::format_ids(ids, 200)) << "</td><td>"
          << xml_escape(slot_ranges(ids, modulus)) << "</td></tr>\n";
      ++rows;
    }
  if (rows == 0) out << "<tr><td colspan=\"5\">no routerId disconnected</td></tr>\n";
  out << "</table>\n";
}

void expectations_table(const Report& report, std::ostream& out) {
  out << "<table id=\"expectations\"><tr><th>event</th><th>check</th><th>status</th><th>expected</th><th>actual</th>"
         "<th>evidence</th></tr>\n";
  for (const auto& v : report.analysis.verdicts)
    out << "<tr class=\"" << checks::to_string(v.status) << "\"><td>#" << v.event << "</td><td>" << xml_escape(v.check)
        << "</td><td>" << checks::to_string(v.status) << "</td><td>" << xml_escape(v.expected) << "</td><td>"
        << xml_escape(v.actual) << "</td><td>" << xml_escape(v.evidence) << "</td></tr>\n";
  out << "</table>\n";
}

void vip_table(const Report& report, std::ostream& out) {
  out << "<table id=\"vip-takeovers\"><tr><th>event</th><th>VIP</th><th>from</th><th>to</th><th>takeover</th>"
         "<th>clients down</th><th>downtime p50 / p99 / max</th><th>all back after</th></tr>\n";
  for (const auto& fault : report.vip_faults) {
    const auto& t = fault.takeover;
    out << "<tr><td>#" << t.event << "</td><td>" << xml_escape(t.instance) << "</td><td>"
        << xml_escape(fault.old_master.empty() ? "?" : fault.old_master) << "</td><td>" << xml_escape(t.new_master)
        << "</td><td>" << seconds(t.after_ns) << "</td><td>" << fault.clients_down << "</td><td>";
    if (fault.downtime.count() > 0)
      out << seconds(fault.downtime.percentile(50).count()) << " / " << seconds(fault.downtime.percentile(99).count())
          << " / " << seconds(fault.downtime.max().count());
    out << "</td><td>"
        << (fault.all_back_after_ns ? seconds(*fault.all_back_after_ns) : std::to_string(fault.not_back) + " not back")
        << "</td></tr>\n";
  }
  out << "</table>\n";
}

void split_brain_table(const Report& report, std::ostream& out) {
  out << "<table id=\"split-brains\"><tr><th>VIP</th><th>address</th><th>nodes MASTER</th><th>from</th><th>to</th>"
         "<th>duration</th><th>events</th></tr>\n";
  const auto& run = report.run;
  for (const auto& split : report.analysis.split_brains) {
    std::string nodes, events;
    for (const auto& node : split.nodes) nodes += (nodes.empty() ? "" : " + ") + node;
    for (const auto& w : run.windows)
      if (split.from_ns < w.end_ns && split.to_ns > w.start_ns)
        events += (events.empty() ? "#" : ", #") + std::to_string(w.index) + " " + w.name;
    out << "<tr class=\"split-brain\"><td>" << xml_escape(split.instance) << "</td><td>" << xml_escape(split.vip)
        << "</td><td>" << xml_escape(nodes) << "</td><td>+" << seconds(split.from_ns - run.start_ns) << "</td><td>+"
        << seconds(split.to_ns - run.start_ns) << (split.until_end ? " (run's end)" : "") << "</td><td>"
        << seconds(split.to_ns - split.from_ns) << "</td><td>" << xml_escape(events) << "</td></tr>\n";
  }
  if (report.analysis.split_brains.empty())
    out << "<tr><td colspan=\"7\">no two nodes were MASTER for one VIP at once</td></tr>\n";
  out << "</table>\n";
}

// Each cutover's outcome, pre-checks (skips shown) and every admin step in
// order: the rollout, and after a failure the rollback that undid it.
void cutover_table(const Report& report, std::ostream& out) {
  out << "<table id=\"cutovers\"><tr><th>event</th><th>phase</th><th>step</th><th>node</th><th>result</th></tr>\n";
  for (const auto& [index, c] : report.run.cutovers) {
    std::string checks;
    for (const auto& check : c.checks)
      checks += (checks.empty() ? "" : ", ") + check.name + " " + std::string(cutover::to_string(check.status));
    out << "<tr class=\"cutover-outcome\"><td>#" << index << " cutover v" << c.from_version << " &#8594; v"
        << c.to_version << "</td><td colspan=\"4\"><b>" << cutover::to_string(c.outcome) << "</b>"
        << (c.reason.empty() ? "" : ": " + xml_escape(c.reason)) << "<br>pre-checks: " << xml_escape(checks)
        << "</td></tr>\n";
    for (const auto& step : c.steps) {
      const char* phase = step.step == "preview" ? "preview" : step.step == "abort" ? "rollback" : "rollout";
      bool untouched = std::find(c.untouched.begin(), c.untouched.end(), step.node) != c.untouched.end();
      out << "<tr class=\"cutover-step " << phase << (step.ok ? "" : " failed") << "\"><td></td><td>" << phase
          << "</td><td>" << xml_escape(step.step) << "</td><td>" << xml_escape(step.node) << "</td><td>"
          << (step.ok ? "ok" : "failed: " + xml_escape(step.message))
          << (!step.ok && phase == std::string("rollback") && untouched ? " (never reached by the rollout: unchanged)"
                                                                        : "")
          << "</td></tr>\n";
    }
  }
  out << "</table>\n";
}

bool split_brain_judged(const Report& report) {
  for (const auto& v : report.analysis.verdicts)
    if (v.check == "split-brain") return true;
  return !report.analysis.split_brains.empty();
}

}  // namespace

void write_html(const Report& report, std::ostream& out) {
  const auto colours = unit_colours(report);
  std::ostringstream text;
  write_text(report, text);
  const char* verdict = report.interrupted()  ? "interrupted"
                        : !report.judgeable() ? "unknown"
                        : report.passed()     ? "pass"
                                              : "fail";
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>wsfo report: "
      << xml_escape(report.run.scenario) << "</title>\n<style>" << kStyle << "</style></head><body>\n";
  out << "<h1>" << xml_escape(report.run.scenario) << " <small>(" << xml_escape(report.run.engine)
      << ")</small></h1>\n";
  out << "<p class=\"verdict " << verdict << "\" id=\"verdict\">" << report.verdict() << "</p>\n";
  if (report.interrupted())
    out << "<p class=\"banner\" id=\"interrupted\">Interrupted: " << xml_escape(interruption_summary(report))
        << ". This report shows what was played; an expectation whose window was not played to its end is "
           "unknown.</p>\n";
  out << "<h2>Connections per unit</h2>\n";
  connections_chart(report, colours, out);
  out << "<h2>Slot map (0.." << report.run.rules_before.modulus() - 1 << ") before and after</h2>\n";
  slot_map_chart(report, colours, out);
  out << "<h2>Reconnect latency</h2>\n";
  latency_histogram(report, out);
  if (!report.vip_faults.empty()) {
    out << "<h2>VIP takeovers and client downtime</h2>\n";
    vip_table(report, out);
  }
  if (split_brain_judged(report)) {
    out << "<h2>Split brain (two or more nodes MASTER for one VIP at once)</h2>\n";
    split_brain_table(report, out);
  }
  if (!report.run.cutovers.empty()) {
    out << "<h2>Cutovers</h2>\n";
    cutover_table(report, out);
  }
  out << "<h2>Expectations</h2>\n";
  expectations_table(report, out);
  out << "<h2>Disconnected routerIds by cause</h2>\n";
  disconnected_table(report, out);
  out << "<h2>Summary</h2>\n<pre id=\"summary\">" << xml_escape(text.str()) << "</pre>\n</body></html>\n";
}

}  // namespace wsfo::reports
