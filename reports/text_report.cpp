// The text summary on stdout, in the spirit of the seed's console output.
#include <ostream>

#include "core/checks/id_ranges.hpp"
#include "reports/format.hpp"
#include "reports/report.hpp"

namespace wsfo::reports {

namespace {

void write_cutover(const cutover::CutoverResult& c, std::ostream& out) {
  out << "  cutover v" << c.from_version << " -> v" << c.to_version << ": " << cutover::to_string(c.outcome);
  if (!c.reason.empty()) out << " (" << c.reason << ")";
  out << "\n";
  for (const auto& moved : c.moved) out << "    moves " << routing::describe(moved) << "\n";
  out << "    pre-checks:";
  for (const auto& check : c.checks) out << " " << check.name << "=" << cutover::to_string(check.status);
  out << "\n";
  if (!c.unreachable.empty()) {
    out << "    NOT rolled back on:";
    for (const auto& node : c.unreachable) out << " " << node;
    out << "\n";
  }
}

void write_window(const Report& report, std::size_t i, std::ostream& out) {
  const checks::EventWindow& window = report.run.windows[i];
  const checks::WindowFacts& facts = report.analysis.windows[i];
  out << "\n[+" << seconds(window.start_ns - report.run.start_ns) << "] #" << window.index << " " << window.name
      << "\n";
  if (auto it = report.run.cutovers.find(window.index); it != report.run.cutovers.end()) write_cutover(it->second, out);
  out << "  disconnected: " << facts.disconnected.size() << " routerIds\n";
  for (const auto& [cause, ids] : facts.disconnected_by_cause)
    out << "    " << cause << ": " << checks::format_ids(ids, 12) << "\n";
  if (facts.reconnect_latency.count() > 0)
    out << "  reconnect: p50 " << seconds(facts.reconnect_latency.percentile(50).count()) << "  p99 "
        << seconds(facts.reconnect_latency.percentile(99).count()) << "  max "
        << seconds(facts.reconnect_latency.max().count()) << " (" << facts.reconnect_latency.count()
        << " reconnected)\n";
  out << "  redirects: " << facts.redirects << "   failed attempts: " << facts.failed_attempts
      << "   messages lost: " << facts.messages_lost << "\n";
  for (const auto& t : report.takeovers)
    if (t.event == window.index)
      out << "  VIP " << t.instance << " taken over by " << t.new_master << " after " << seconds(t.after_ns) << "\n";
  for (const auto& v : report.analysis.verdicts) {
    if (v.event != window.index) continue;
    out << "  ["
        << (v.status == checks::Status::pass   ? "PASS"
            : v.status == checks::Status::fail ? "FAIL"
                                               : "????")
        << "] " << v.check << ": expected " << v.expected;
    if (!v.actual.empty()) out << "; got " << v.actual;
    out << "\n";
    if (!v.evidence.empty()) out << "         " << v.evidence << "\n";
  }
}

}  // namespace

void write_text(const Report& report, std::ostream& out) {
  const RunRecord& run = report.run;
  out << "== wsfo " << run.engine << " report: " << run.scenario << " ==\n";
  out << "clients: " << run.population.size() << "   rules: v" << run.rules_before.version() << " -> v"
      << run.rules_after.version() << "   duration: " << seconds(run.end_ns - run.start_ns, 1) << "\n";
  for (const auto& note : run.notes) out << "note: " << note << "\n";
  for (std::size_t i = 0; i < run.windows.size(); ++i) write_window(report, i, out);
  if (!report.vip.empty()) {
    out << "\nVIP transitions:\n";
    for (const auto& t : report.vip)
      out << "  +" << seconds(t.t_ns - run.start_ns) << " " << t.instance << " on " << t.node << ": " << t.from
          << " -> " << t.to << (t.reason.empty() ? "" : " (" + t.reason + ")") << "\n";
  }
  if (!report.analysis.dual_service.empty())
    out << "\ndual service: " << report.analysis.dual_service.size() << " occurrences\n";
  std::size_t held = 0;
  for (const auto& v : report.analysis.verdicts) held += v.status == checks::Status::pass;
  out << "\nRESULT: " << (report.passed() ? "PASS" : "FAIL") << " (" << held << " of "
      << report.analysis.verdicts.size() << " expectations held)\n";
}

}  // namespace wsfo::reports
