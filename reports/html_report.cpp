// report.html: one self-contained page (no scripts, no external files) with
// inline SVG charts: connections per unit over time, the slot map before and
// after, the reconnect-latency histogram, and the disconnected routerIds.
#include <algorithm>
#include <cmath>
#include <ostream>
#include <set>
#include <sstream>

#include "core/checks/id_ranges.hpp"
#include "reports/format.hpp"
#include "reports/report.hpp"

namespace wsfo::reports {

namespace {

const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"};

std::map<std::string, std::string> unit_colours(const Report& report) {
  std::set<std::string> units;
  for (const auto& r : report.run.rules_before.ranges()) units.insert(r.unit);
  for (const auto& r : report.run.rules_after.ranges()) units.insert(r.unit);
  for (const auto& p : report.series)
    for (const auto& [unit, n] : p.open) units.insert(unit);
  std::map<std::string, std::string> colours;
  std::size_t i = 0;
  for (const auto& unit : units) colours[unit] = kPalette[i++ % std::size(kPalette)];
  return colours;
}

void legend(const std::map<std::string, std::string>& colours, std::ostream& out) {
  out << "<p class=\"legend\">";
  for (const auto& [unit, colour] : colours)
    out << "<span><i style=\"background:" << colour << "\"></i>" << xml_escape(unit) << "</span> ";
  out << "</p>\n";
}

void connections_chart(const Report& report, const std::map<std::string, std::string>& colours, std::ostream& out) {
  const double width = 900, height = 260, left = 60, bottom = 30, top = 20;
  std::int64_t peak = 1;
  for (const auto& p : report.series)
    for (const auto& [unit, n] : p.open) peak = std::max(peak, n);
  const auto span = static_cast<double>(std::max<std::int64_t>(1, report.run.end_ns - report.run.start_ns));
  auto x = [&](std::int64_t t) {
    return left + (width - left - 10) * static_cast<double>(t - report.run.start_ns) / span;
  };
  auto y = [&](std::int64_t n) {
    return top + (height - top - bottom) * (1.0 - static_cast<double>(n) / static_cast<double>(peak));
  };
  out << "<svg id=\"chart-connections\" class=\"chart\" viewBox=\"0 0 " << width << " " << height << "\" width=\""
      << width << "\" height=\"" << height << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  out << "<line x1=\"" << left << "\" y1=\"" << height - bottom << "\" x2=\"" << width - 10 << "\" y2=\""
      << height - bottom << "\" stroke=\"#333\"/>\n";
  out << "<line x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left << "\" y2=\"" << height - bottom
      << "\" stroke=\"#333\"/>\n";
  out << "<text x=\"4\" y=\"" << top + 4 << "\" font-size=\"11\">" << peak << "</text>\n";
  out << "<text x=\"4\" y=\"" << height - bottom << "\" font-size=\"11\">0</text>\n";
  out << "<text x=\"" << width - 60 << "\" y=\"" << height - 8 << "\" font-size=\"11\">"
      << seconds(report.run.end_ns - report.run.start_ns, 1) << "</text>\n";
  for (const auto& w : report.run.windows) {
    double wx = x(w.start_ns);
    out << "<line class=\"event-marker\" x1=\"" << wx << "\" y1=\"" << top << "\" x2=\"" << wx << "\" y2=\""
        << height - bottom << "\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/>\n";
    out << "<text x=\"" << wx + 3 << "\" y=\"" << top + 10 << "\" font-size=\"11\" fill=\"#c00\">#" << w.index << " "
        << xml_escape(w.name) << "</text>\n";
  }
  for (const auto& [unit, colour] : colours) {
    out << "<polyline class=\"series\" data-unit=\"" << xml_escape(unit) << "\" fill=\"none\" stroke=\"" << colour
        << "\" stroke-width=\"2\" points=\"";
    for (const auto& p : report.series) {
      auto it = p.open.find(unit);
      out << x(p.t_ns) << "," << y(it == p.open.end() ? 0 : it->second) << " ";
    }
    out << "\"/>\n";
  }
  out << "</svg>\n";
}

// Slot runs (first, last) of a set of slots.
std::vector<checks::IdRange> slot_runs(const Report& report) {
  std::vector<std::uint64_t> slots;
  for (const auto& facts : report.analysis.windows)
    for (auto id : facts.disconnected) slots.push_back(routing::slot_of(id, report.run.rules_before.modulus()));
  return checks::to_ranges(std::move(slots));
}

void slot_map_chart(const Report& report, const std::map<std::string, std::string>& colours, std::ostream& out) {
  const double width = 900, bar = 36, left = 60;
  const double modulus = report.run.rules_before.modulus();
  auto x = [&](double slot) { return left + (width - left - 10) * slot / modulus; };
  out << "<svg id=\"chart-slots\" class=\"chart\" viewBox=\"0 0 " << width << " 150\" width=\"" << width
      << "\" height=\"150\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  auto draw = [&](const routing::RuleSet& rules, double top, const char* label) {
    out << "<text x=\"4\" y=\"" << top + bar / 2 + 4 << "\" font-size=\"12\">" << label << " v" << rules.version()
        << "</text>\n";
    for (const auto& r : rules.ranges()) {
      auto colour = colours.count(r.unit) ? colours.at(r.unit) : "#999";
      out << "<rect class=\"slot-range\" x=\"" << x(static_cast<double>(r.first)) << "\" y=\"" << top << "\" width=\""
          << std::max(0.5, x(static_cast<double>(r.last + 1)) - x(static_cast<double>(r.first))) << "\" height=\""
          << bar << "\" fill=\"" << colour << "\"><title>" << xml_escape(routing::describe(r)) << "</title></rect>\n";
    }
  };
  draw(report.run.rules_before, 10, "before");
  draw(report.run.rules_after, 60, "after");
  routing::RuleDiff diff(report.run.rules_before, report.run.rules_after);
  for (const auto& m : diff.moved())
    out << "<rect class=\"moved\" x=\"" << x(m.first) << "\" y=\"58\" width=\""
        << std::max(1.0, x(m.last + 1.0) - x(m.first)) << "\" height=\"" << bar + 4
        << "\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"3 2\"><title>moved "
        << xml_escape(routing::describe(m)) << "</title></rect>\n";
  out << "<text x=\"4\" y=\"126\" font-size=\"12\">disconnected</text>\n";
  for (const auto& run : slot_runs(report))
    out << "<rect class=\"disconnected-slots\" x=\"" << x(static_cast<double>(run.first)) << "\" y=\"112\" width=\""
        << std::max(1.0, x(static_cast<double>(run.last + 1)) - x(static_cast<double>(run.first)))
        << "\" height=\"20\" fill=\"#c00\"><title>slots " << run.first << "-" << run.last << "</title></rect>\n";
  out << "<text x=\"" << left << "\" y=\"146\" font-size=\"10\">0</text><text x=\"" << width - 40
      << "\" y=\"146\" font-size=\"10\">" << modulus - 1 << "</text>\n";
  out << "</svg>\n";
}

void latency_histogram(const Report& report, std::ostream& out) {
  std::vector<double> samples;
  for (const auto& facts : report.analysis.windows)
    for (const auto& r : facts.reconnects)
      if (r.connected_ns) samples.push_back(static_cast<double>(*r.connected_ns - r.disconnected_ns) / 1e6);
  const double width = 900, height = 220, left = 60, bottom = 30;
  const int bins = 30;
  double hi = samples.empty() ? 1 : *std::max_element(samples.begin(), samples.end());
  hi = std::max(hi, 1.0);
  std::vector<int> counts(bins, 0);
  for (double s : samples) counts[std::min(bins - 1, static_cast<int>(s / hi * bins))]++;
  int peak = std::max(1, *std::max_element(counts.begin(), counts.end()));
  double bin_width = (width - left - 10) / bins;
  out << "<svg id=\"chart-latency\" class=\"chart\" viewBox=\"0 0 " << width << " " << height << "\" width=\"" << width
      << "\" height=\"" << height << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  for (int b = 0; b < bins; ++b) {
    double h = (height - bottom - 10) * counts[b] / peak;
    out << "<rect class=\"bar\" x=\"" << left + b * bin_width << "\" y=\"" << height - bottom - h << "\" width=\""
        << bin_width - 1 << "\" height=\"" << h << "\" fill=\"#1f77b4\"><title>" << counts[b] << " reconnects in "
        << std::lround(hi * b / bins) << "-" << std::lround(hi * (b + 1) / bins) << " ms</title></rect>\n";
  }
  out << "<line x1=\"" << left << "\" y1=\"" << height - bottom << "\" x2=\"" << width - 10 << "\" y2=\""
      << height - bottom << "\" stroke=\"#333\"/>\n";
  out << "<text x=\"" << left << "\" y=\"" << height - 10 << "\" font-size=\"11\">0 ms</text><text x=\"" << width - 80
      << "\" y=\"" << height - 10 << "\" font-size=\"11\">" << std::lround(hi) << " ms</text>\n";
  out << "<text x=\"4\" y=\"20\" font-size=\"11\">" << peak << "</text>\n";
  out << "</svg>\n<p>" << samples.size() << " reconnects</p>\n";
}

void disconnected_table(const Report& report, std::ostream& out) {
  out << "<table id=\"disconnected\"><tr><th>event</th><th>cause</th><th>count</th><th>routerIds</th></tr>\n";
  for (std::size_t i = 0; i < report.run.windows.size(); ++i)
    for (const auto& [cause, ids] : report.analysis.windows[i].disconnected_by_cause)
      out << "<tr><td>#" << report.run.windows[i].index << " " << xml_escape(report.run.windows[i].name) << "</td><td>"
          << xml_escape(cause) << "</td><td>" << ids.size() << "</td><td>" << xml_escape(checks::format_ids(ids, 200))
          << "</td></tr>\n";
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

}  // namespace

void write_html(const Report& report, std::ostream& out) {
  auto colours = unit_colours(report);
  std::ostringstream text;
  write_text(report, text);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>wsfo report: "
      << xml_escape(report.run.scenario) << "</title>\n<style>\n"
      << "body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;font-size:13px}"
         "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}"
         "tr.pass td:nth-child(3){color:#080}tr.fail td:nth-child(3){color:#c00;font-weight:bold}"
         ".legend span{margin-right:1em}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px}"
         "pre{background:#f6f6f6;padding:1em;overflow:auto}.verdict{font-size:1.4em;font-weight:bold}"
      << "\n</style></head><body>\n";
  out << "<h1>" << xml_escape(report.run.scenario) << " <small>(" << xml_escape(report.run.engine)
      << ")</small></h1>\n";
  out << "<p class=\"verdict\" id=\"verdict\">" << (report.passed() ? "PASS" : "FAIL") << "</p>\n";
  out << "<h2>Connections per unit</h2>\n";
  legend(colours, out);
  connections_chart(report, colours, out);
  out << "<h2>Slot map (0.." << report.run.rules_before.modulus() - 1 << ")</h2>\n";
  slot_map_chart(report, colours, out);
  out << "<h2>Reconnect latency</h2>\n";
  latency_histogram(report, out);
  out << "<h2>Expectations</h2>\n";
  expectations_table(report, out);
  out << "<h2>Disconnected routerIds by cause</h2>\n";
  disconnected_table(report, out);
  out << "<h2>Summary</h2>\n<pre>" << xml_escape(text.str()) << "</pre>\n</body></html>\n";
}

}  // namespace wsfo::reports
