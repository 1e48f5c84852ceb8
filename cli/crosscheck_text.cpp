#include "cli/crosscheck_text.hpp"

#include <algorithm>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "reports/format.hpp"

namespace wsfo::cli {

namespace {

using compare::Comparison;
using compare::EventComparison;
using compare::SideFigures;

constexpr int kLabelWidth = 28;

std::size_t column_width(const Comparison& c) {
  return std::max<std::size_t>({14, c.label_a.size() + 2, c.label_b.size() + 2});
}

void row(std::ostream& out, const std::string& label, const std::string& a, const std::string& b, std::size_t width,
         const std::string& note = "") {
  std::ostringstream line;
  line << "  " << std::left << std::setw(kLabelWidth) << label << std::setw(static_cast<int>(width)) << a
       << std::setw(static_cast<int>(width)) << b << note;
  std::string text = line.str();
  text.erase(text.find_last_not_of(' ') + 1);  // the padding of the last column
  out << text << "\n";
}

std::string takeover_text(const SideFigures& side, const std::string& vip) {
  auto it = side.takeover_ns.find(vip);
  return it == side.takeover_ns.end() ? "-" : reports::seconds(it->second);
}

std::string silent_text(const SideFigures& side) {
  return std::to_string(side.silent_noticed_later) + " / " + std::to_string(side.silent_not_noticed);
}

std::string ids_text(const std::vector<std::uint64_t>& ids) {
  std::string text;
  for (std::size_t i = 0; i < ids.size() && i < kIdsNamedPerGroup; ++i)
    text += (i ? ", " : "") + std::to_string(ids[i]);
  if (ids.size() > kIdsNamedPerGroup) text += ", … (" + std::to_string(ids.size() - kIdsNamedPerGroup) + " more)";
  return text;
}

void write_event(const Comparison& c, const EventComparison& e, std::ostream& out) {
  const std::size_t width = column_width(c);
  out << "\n#" << e.index << " " << e.action << "\n";
  std::string only;
  if (!e.disconnected_only_a.empty() || !e.disconnected_only_b.empty())
    only = "  only on " + c.label_a + ": " + std::to_string(e.disconnected_only_a.size()) + ", only on " + c.label_b +
           ": " + std::to_string(e.disconnected_only_b.size());
  row(out, "disconnected", std::to_string(e.a.disconnected), std::to_string(e.b.disconnected), width, only);
  std::set<std::string> vips;
  for (const auto& [vip, ns] : e.a.takeover_ns) vips.insert(vip);
  for (const auto& [vip, ns] : e.b.takeover_ns) vips.insert(vip);
  for (const std::string& vip : vips) {
    auto in = [&](const SideFigures& s) -> std::optional<std::int64_t> {
      auto it = s.takeover_ns.find(vip);
      return it == s.takeover_ns.end() ? std::nullopt : std::optional(it->second);
    };
    row(out, "takeover " + vip, takeover_text(e.a, vip), takeover_text(e.b, vip), width,
        compare::takeovers_differ(in(e.a), in(e.b)) ? "  differs" : "");
  }
  auto p99 = [](const SideFigures& s) { return s.reconnect_p99_ns ? reports::seconds(*s.reconnect_p99_ns) : "-"; };
  row(out, "reconnect p99", p99(e.a), p99(e.b), width);
  if (e.a.silent_affected + e.b.silent_affected > 0) {
    row(out, "dead connections", std::to_string(e.a.silent_affected), std::to_string(e.b.silent_affected), width);
    row(out, "  silent: later / never", silent_text(e.a), silent_text(e.b), width);
  }
}

std::string fate_text(const compare::SideFate& f) {
  std::ostringstream text;
  text << to_string(f.fate);
  if (f.dead_after_ns) text << " (dead from +" << reports::seconds(*f.dead_after_ns) << ")";
  if (f.dead_since_event) text << " (dead since #" << *f.dead_since_event << ")";
  if (f.disconnect)
    text << ": " << f.disconnect->cause << " \"" << f.disconnect->reason << "\" by " << f.disconnect->closed_by
         << " at +" << reports::seconds(f.disconnect->after_ns);
  else if (f.noticed_after_ns)
    text << ": noticed at +" << reports::seconds(*f.noticed_after_ns);
  return text.str();
}

void write_mechanisms(const Comparison& c, std::ostream& out) {
  std::map<std::size_t, std::string> actions;
  for (const auto& e : c.events) actions[e.index] = e.action;
  // mechanism → event → routerIds
  std::map<compare::Mechanism, std::map<std::size_t, std::vector<std::uint64_t>>> grouped;
  for (const auto& d : c.differences) grouped[d.mechanism][d.event].push_back(d.router_id);
  out << "\nrouterIds whose fate differs: " << c.differences.size() << "\n";
  for (compare::Mechanism m : compare::all_mechanisms()) {
    auto it = grouped.find(m);
    if (it == grouped.end()) continue;
    out << "  " << to_string(m) << ": " << compare::definition(m) << "\n";
    for (const auto& [event, ids] : it->second)
      out << "    #" << event << " " << actions[event] << ": " << ids.size() << " routerIds: " << ids_text(ids) << "\n";
  }
  if (c.unexplained() == 0) return;
  out << "\nunexplained differences (what each stack recorded):\n";
  for (const auto& d : c.differences) {
    if (d.mechanism != compare::Mechanism::unexplained) continue;
    out << "  #" << d.event << " " << actions[d.event] << " routerId " << d.router_id << "\n"
        << "    " << c.label_a << ": " << fate_text(d.a) << "\n"
        << "    " << c.label_b << ": " << fate_text(d.b) << "\n";
  }
}

}  // namespace

compare::RunView run_view(const reports::Report& report, const std::string& label) {
  return {label, report.run.history, report.run.windows, report.analysis.windows, report.takeovers, report.silent};
}

void write_comparison_text(const Comparison& c, std::ostream& out, const std::string& title) {
  const std::size_t width = column_width(c);
  out << "\n== " << title << ": " << c.label_a << " vs " << c.label_b << " ==\n";
  row(out, "", c.label_a, c.label_b, width);
  for (const auto& e : c.events) write_event(c, e, out);
  out << "\ntakeover times differing by more than max(" << static_cast<int>(compare::kTakeoverTolerance * 100) << "%, "
      << compare::kTakeoverToleranceFloorNs / 1'000'000 << " ms): " << c.takeover_differences.size() << "\n";
  for (const auto& t : c.takeover_differences)
    out << "  #" << t.event << " " << t.vip << ": " << c.label_a << " "
        << (t.a_ns ? reports::seconds(*t.a_ns) : "no takeover") << ", " << c.label_b << " "
        << (t.b_ns ? reports::seconds(*t.b_ns) : "no takeover") << "\n";
  write_mechanisms(c, out);
}

}  // namespace wsfo::cli
