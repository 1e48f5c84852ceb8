// The text summary on stdout, in the seed's style: per timeline event, what
// happened and who disconnected (as ranges, by cause), then a few of those
// clients as the seed's client would have printed them, then the verdicts.
#include <algorithm>
#include <map>
#include <ostream>

#include "core/checks/id_ranges.hpp"
#include "core/checks/split_brain.hpp"
#include "reports/format.hpp"
#include "reports/report.hpp"
#include "reports/seed_trace.hpp"

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
  // The rollout's steps and, after a failure, the rollback's: who was changed
  // and who was put back.
  for (const char* phase : {"rollout", "rollback"}) {
    std::string line;
    for (const auto& s : c.steps) {
      if (s.step == "preview" || (s.step == "abort") != (std::string_view(phase) == "rollback")) continue;
      line += (line.empty() ? " " : ", ") + s.step + " " + s.node + (s.ok ? " ok" : " FAILED (" + s.message + ")");
    }
    if (!line.empty()) out << "    " << phase << ":" << line << "\n";
  }
  if (!c.untouched.empty()) {
    out << "    never reached by the rollout (still on v" << c.from_version << "):";
    for (const auto& node : c.untouched) out << " " << node;
    out << "\n";
  }
  if (!c.unreachable.empty()) {
    out << "    NOT rolled back on:";
    for (const auto& node : c.unreachable) out << " " << node;
    out << "\n";
  }
}

// " (+0.004s to +4.012s after the event)": when the window's clients went, so
// a reload whose old worker kept its connections for a while shows how long.
std::string disconnect_span(const checks::WindowFacts& facts, const checks::EventWindow& window) {
  if (facts.reconnects.empty()) return {};
  auto [first, last] =
      std::minmax_element(facts.reconnects.begin(), facts.reconnects.end(),
                          [](const auto& a, const auto& b) { return a.disconnected_ns < b.disconnected_ns; });
  return " (+" + seconds(first->disconnected_ns - window.start_ns) + " to +" +
         seconds(last->disconnected_ns - window.start_ns) + " after the event)";
}

// ": center 383, unbj 2": where the reconnected clients landed.
std::string landing(const checks::WindowFacts& facts) {
  std::map<std::string, std::size_t> units;
  for (const auto& r : facts.reconnects)
    if (r.connected_ns) ++units[r.unit.empty() ? "?" : r.unit];
  std::string text;
  for (const auto& [unit, n] : units) text += (text.empty() ? ": " : ", ") + unit + " " + std::to_string(n);
  return text;
}

// "VIP vip-110 taken over by server2 after 3.412s (from server1)", then the
// downtime of the clients that were on the node losing it.
void write_vip_fault(const VipFault& fault, std::ostream& out) {
  const auto& t = fault.takeover;
  out << "  VIP " << t.instance << " taken over by " << t.new_master << " after " << seconds(t.after_ns);
  if (!fault.old_master.empty()) out << " (from " << fault.old_master << ")";
  out << "\n    client downtime: " << fault.clients_down << " clients"
      << (fault.old_master.empty() ? "" : " of " + fault.old_master) << " disconnected";
  if (fault.downtime.count() > 0)
    out << "; p50 " << seconds(fault.downtime.percentile(50).count()) << "  p99 "
        << seconds(fault.downtime.percentile(99).count()) << "  max " << seconds(fault.downtime.max().count());
  if (fault.all_back_after_ns)
    out << "; all back " << seconds(*fault.all_back_after_ns) << " after the event";
  else if (fault.not_back > 0)
    out << "; " << fault.not_back << " not back by the end";
  out << "\n";
}

// "silent connections (via-vip-112): 40 on the node when the VIP left; 0 noticed
// at once, 22 later (p50 3.1s, max 4.9s), 18 not by the end of the window".
void write_silent(const checks::SilentWindow& window, std::ostream& out) {
  for (const auto& g : window.groups) {
    out << "  dead connections (" << g.group << "): " << g.affected << " on the node when the VIP left; "
        << g.noticed_at_once << " noticed at once, " << g.noticed_later << " later";
    if (g.delay.count() > 0)
      out << " (p50 " << seconds(g.delay.percentile(50).count()) << ", max " << seconds(g.delay.max().count()) << ")";
    out << ", " << g.not_noticed << " not by the end of the window\n";
  }
}

// A few of the window's disconnected clients, as the seed's client prints them.
void write_traces(const Report& report, std::size_t i, std::ostream& out) {
  const checks::EventWindow& window = report.run.windows[i];
  for (auto id : trace_samples(report.analysis.windows[i].disconnected)) {
    auto lines = seed_trace(report.run.history, id, window.start_ns, report.run.end_ns);
    if (lines.empty()) continue;
    out << "  // " << id << "\n";
    for (const auto& line : lines) out << "    " << line << "\n";
  }
}

void write_verdicts(const Report& report, std::size_t event, std::ostream& out) {
  for (const auto& v : report.analysis.verdicts) {
    if (v.event != event) continue;
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

void write_window(const Report& report, std::size_t i, std::ostream& out) {
  const checks::EventWindow& window = report.run.windows[i];
  const checks::WindowFacts& facts = report.analysis.windows[i];
  out << "\n[+" << seconds(window.start_ns - report.run.start_ns) << "] #" << window.index << " " << window.name
      << "\n";
  if (auto it = report.run.cutovers.find(window.index); it != report.run.cutovers.end()) write_cutover(it->second, out);
  out << "  disconnected: " << facts.disconnected.size() << " routerIds" << disconnect_span(facts, window) << "\n";
  for (const auto& [cause, ids] : facts.disconnected_by_cause)
    out << "    " << cause << ": " << checks::format_ids(ids, 12) << "\n";
  if (facts.reconnect_latency.count() > 0)
    out << "  reconnect: p50 " << seconds(facts.reconnect_latency.percentile(50).count()) << "  p99 "
        << seconds(facts.reconnect_latency.percentile(99).count()) << "  max "
        << seconds(facts.reconnect_latency.max().count()) << " (" << facts.reconnect_latency.count() << " reconnected"
        << landing(facts) << ")\n";
  if (auto missing = facts.disconnected.size() - facts.reconnect_latency.count(); missing > 0)
    out << "  not reconnected by the end: " << missing << "\n";
  out << "  redirects: " << facts.redirects << "   failed attempts: " << facts.failed_attempts
      << "   messages lost: " << facts.messages_lost << "\n";
  for (const auto& fault : report.vip_faults)
    if (fault.takeover.event == window.index) write_vip_fault(fault, out);
  for (const auto& silent : report.silent)
    if (silent.window == i) write_silent(silent, out);
  write_traces(report, i, out);
  write_verdicts(report, window.index, out);
}

// An event the interrupted run never played, and its expectations (unknown).
void write_unplayed(const Report& report, const checks::EventWindow& never, std::ostream& out) {
  out << "\n[+" << seconds(never.start_ns - report.run.start_ns) << "] #" << never.index << " " << never.name
      << ": not played\n";
  write_verdicts(report, never.index, out);
}

}  // namespace

void write_text(const Report& report, std::ostream& out) {
  const RunRecord& run = report.run;
  out << "== wsfo " << run.engine << (run.stack == "wsfo" ? "" : " (" + run.stack + " stack)")
      << " report: " << run.scenario << " ==\n";
  out << "clients: " << run.population.size() << "   rules: v" << run.rules_before.version() << " -> v"
      << run.rules_after.version() << "   duration: " << seconds(run.end_ns - run.start_ns, 1) << "\n";
  if (!run.judgeable()) {
    out << "COULD NOT BE JUDGED: a part of the run failed, so the expectations below say nothing about the "
           "scenario\n";
    for (const auto& failure : run.part_failures) out << "  part failed: " << failure << "\n";
  }
  if (report.interrupted())
    out << "INTERRUPTED: " << interruption_summary(report)
        << "; an expectation whose window was not played to its end is unknown\n";
  for (const auto& note : run.notes) out << "note: " << note << "\n";
  for (std::size_t i = 0; i < run.windows.size(); ++i) write_window(report, i, out);
  if (run.interrupted)
    for (const auto& never : run.interrupted->unplayed) write_unplayed(report, never, out);
  if (!report.vip.empty()) {
    out << "\nVIP transitions:\n";
    for (const auto& t : report.vip)
      out << "  +" << seconds(t.t_ns - run.start_ns) << " " << t.instance << " on " << t.node << ": " << t.from
          << " -> " << t.to << (t.reason.empty() ? "" : " (" + t.reason + ")") << "\n";
  }
  if (!report.analysis.split_brains.empty()) {
    out << "\nSplit brain (two or more nodes MASTER for one VIP at once; times from the run's start):\n";
    for (const auto& split : report.analysis.split_brains) out << "  " << checks::describe(split, run.start_ns) << "\n";
  }
  // A MASTER whose VIP bind failed: another node holds the address (docs/vrrp.md, partition), evidence of a
  // split brain on loopback.
  for (const auto& e : run.history)
    if (e.kind == "vip-bind-failed")
      out << "VIP bind failed: +" << seconds(e.t_ns - run.start_ns) << " " << e.fields.value("instance", "")
          << " MASTER on " << e.fields.value("node", "") << " while another node holds " << e.fields.value("vip", "")
          << ":" << e.fields.value("port", 0) << " (" << e.fields.value("reason", "") << ")\n";
  if (!report.analysis.dual_service.empty())
    out << "\ndual service: " << report.analysis.dual_service.size() << " occurrences\n";
  std::size_t held = 0, unknown = 0;
  for (const auto& v : report.analysis.verdicts) {
    held += v.status == checks::Status::pass;
    unknown += v.status == checks::Status::unknown;
  }
  out << "\nRESULT: " << report.verdict() << " (" << held << " of " << report.analysis.verdicts.size()
      << " expectations held";
  if (report.interrupted()) out << ", " << unknown << " unknown";
  if (!report.judgeable()) out << "; " << run.part_failures.size() << " part(s) failed";
  out << ")\n";
}

}  // namespace wsfo::reports
