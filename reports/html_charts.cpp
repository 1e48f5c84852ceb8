#include "reports/html_charts.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <variant>

#include "core/checks/id_ranges.hpp"
#include "core/routing/rule_diff.hpp"
#include "reports/format.hpp"

namespace wsfo::reports {

namespace {

const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"};
constexpr const char* kDisconnectedColour = "#d62728";
constexpr const char* kExpectedColour = "#c7c7c7";
constexpr double kWidth = 900;
constexpr std::size_t kMaxDisconnectRows = 8;

void open_svg(const char* id, double height, std::ostream& out) {
  out << "<svg id=\"" << id << "\" class=\"chart\" viewBox=\"0 0 " << kWidth << " " << height << "\" width=\"" << kWidth
      << "\" height=\"" << height << "\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">\n";
}

void text_at(double x, double y, const std::string& text, std::ostream& out, const char* extra = "") {
  out << "<text x=\"" << x << "\" y=\"" << y << "\"" << extra << ">" << xml_escape(text) << "</text>\n";
}

// A legend row inside an SVG: a swatch (filled, or dashed outline) and a label per entry.
struct LegendEntry {
  std::string label;
  std::string fill;
  bool outline = false;
};

void svg_legend(const std::vector<LegendEntry>& entries, double x, double y, std::ostream& out) {
  out << "<g class=\"legend\">\n";
  for (const auto& e : entries) {
    if (e.outline)
      out << "<rect x=\"" << x << "\" y=\"" << y - 9 << "\" width=\"14\" height=\"10\" fill=\"none\" stroke=\"#000\" "
          << "stroke-width=\"2\" stroke-dasharray=\"3 2\"/>\n";
    else
      out << "<rect x=\"" << x << "\" y=\"" << y - 9 << "\" width=\"14\" height=\"10\" fill=\"" << e.fill << "\"/>\n";
    text_at(x + 18, y, e.label, out);
    x += 28 + 6.5 * static_cast<double>(e.label.size());
  }
  out << "</g>\n";
}

std::vector<LegendEntry> unit_entries(const UnitColours& colours) {
  std::vector<LegendEntry> entries;
  for (const auto& [unit, colour] : colours) entries.push_back({unit, colour});
  return entries;
}

std::vector<checks::IdRange> slot_runs(const std::vector<std::uint64_t>& router_ids, std::uint32_t modulus) {
  std::vector<std::uint64_t> slots;
  slots.reserve(router_ids.size());
  for (auto id : router_ids) slots.push_back(routing::slot_of(id, modulus));
  return checks::to_ranges(std::move(slots));
}

// The slots a window's `disconnected` expectation names (none for `none` or counts).
std::vector<checks::IdRange> expected_slot_runs(const checks::EventWindow& window, std::uint32_t modulus) {
  if (!window.expect.disconnected) return {};
  if (const auto* slots = std::get_if<scenario::DisconnectSlots>(&*window.expect.disconnected)) {
    std::vector<checks::IdRange> runs;
    for (const auto& span : slots->spans) runs.push_back({span.first, span.last});
    return runs;
  }
  if (const auto* ids = std::get_if<scenario::DisconnectRouterIds>(&*window.expect.disconnected))
    return slot_runs(ids->ids, modulus);
  return {};
}

}  // namespace

UnitColours unit_colours(const Report& report) {
  std::set<std::string> units;
  for (const auto& r : report.run.rules_before.ranges()) units.insert(r.unit);
  for (const auto& r : report.run.rules_after.ranges()) units.insert(r.unit);
  for (const auto& p : report.series)
    for (const auto& [unit, n] : p.open) units.insert(unit);
  UnitColours colours;
  std::size_t i = 0;
  for (const auto& unit : units) colours[unit] = kPalette[i++ % std::size(kPalette)];
  return colours;
}

void connections_chart(const Report& report, const UnitColours& colours, std::ostream& out) {
  const double height = 280, left = 60, bottom = 50, top = 20, right = kWidth - 10;
  std::int64_t peak = 1;
  for (const auto& p : report.series)
    for (const auto& [unit, n] : p.open) peak = std::max(peak, n);
  const auto span = static_cast<double>(std::max<std::int64_t>(1, report.run.end_ns - report.run.start_ns));
  auto x = [&](std::int64_t t) { return left + (right - left) * static_cast<double>(t - report.run.start_ns) / span; };
  auto y = [&](std::int64_t n) {
    return top + (height - top - bottom) * (1.0 - static_cast<double>(n) / static_cast<double>(peak));
  };
  const double axis_y = height - bottom;
  open_svg("chart-connections", height, out);
  out << "<line class=\"axis\" x1=\"" << left << "\" y1=\"" << axis_y << "\" x2=\"" << right << "\" y2=\"" << axis_y
      << "\" stroke=\"#333\"/>\n<line class=\"axis\" x1=\"" << left << "\" y1=\"" << top << "\" x2=\"" << left
      << "\" y2=\"" << axis_y << "\" stroke=\"#333\"/>\n";
  text_at(4, top + 4, std::to_string(peak), out);
  text_at(4, axis_y, "0", out);
  text_at(4, top + 18, "open", out);
  text_at(left, axis_y + 14, "+0s", out);
  text_at(right - 40, axis_y + 14, "+" + seconds(report.run.end_ns - report.run.start_ns, 1), out);
  std::size_t n = 0;
  for (const auto& w : report.run.windows) {
    const double wx = x(w.start_ns);
    out << "<line class=\"event-marker\" x1=\"" << wx << "\" y1=\"" << top << "\" x2=\"" << wx << "\" y2=\"" << axis_y
        << "\" stroke=\"#c00\" stroke-dasharray=\"4 3\"><title>#" << w.index << " " << xml_escape(w.name) << " at +"
        << seconds(w.start_ns - report.run.start_ns) << "</title></line>\n";
    // Stagger the labels so close events stay readable.
    text_at(wx + 3, top + 10 + 12 * static_cast<double>(n++ % 3), "#" + std::to_string(w.index) + " " + w.name, out,
            " fill=\"#c00\"");
  }
  for (const auto& [unit, colour] : colours) {
    out << "<polyline class=\"series\" data-unit=\"" << xml_escape(unit) << "\" fill=\"none\" stroke=\"" << colour
        << "\" stroke-width=\"2\" points=\"";
    for (const auto& p : report.series) {
      auto it = p.open.find(unit);
      out << x(p.t_ns) << "," << y(it == p.open.end() ? 0 : it->second) << " ";
    }
    out << "\"><title>" << xml_escape(unit) << "</title></polyline>\n";
  }
  auto entries = unit_entries(colours);
  entries.push_back({"timeline event (dashed)", "#c00"});
  svg_legend(entries, left, height - 12, out);
  out << "</svg>\n";
}

void slot_map_chart(const Report& report, const UnitColours& colours, std::ostream& out) {
  const auto& before = report.run.rules_before;
  const auto& after = report.run.rules_after;
  const std::uint32_t modulus = before.modulus();
  const double left = 120, right = kWidth - 10, bar = 28, row = 18;
  auto x = [&](double slot) { return left + (right - left) * slot / modulus; };
  auto width_of = [&](double first, double last) { return std::max(1.0, x(last + 1) - x(first)); };

  std::vector<std::size_t> rows;  // windows that disconnected someone or expected to
  for (std::size_t i = 0; i < report.analysis.windows.size() && rows.size() < kMaxDisconnectRows; ++i)
    if (!report.analysis.windows[i].disconnected.empty() || !expected_slot_runs(report.run.windows[i], modulus).empty())
      rows.push_back(i);
  const double rows_top = 20 + 2 * (bar + 10) + 8;
  const double height = rows_top + row * static_cast<double>(std::max<std::size_t>(rows.size(), 1)) + 50;
  open_svg("chart-slots", height, out);

  auto draw = [&](const routing::RuleSet& rules, double top, const char* label) {
    text_at(4, top + bar / 2 + 4, std::string(label) + " (v" + std::to_string(rules.version()) + ")", out);
    for (const auto& r : rules.ranges()) {
      auto it = colours.find(r.unit);
      out << "<rect class=\"slot-range\" data-unit=\"" << xml_escape(r.unit) << "\" x=\"" << x(r.first) << "\" y=\""
          << top << "\" width=\"" << width_of(r.first, r.last) << "\" height=\"" << bar << "\" fill=\""
          << (it == colours.end() ? "#999" : it->second) << "\"><title>" << xml_escape(routing::describe(r))
          << "</title></rect>\n";
    }
  };
  draw(before, 20, "before");
  draw(after, 20 + bar + 10, "after");
  const auto moved =
      after.modulus() == modulus ? routing::RuleDiff(before, after).moved() : std::vector<routing::MovedRange>{};
  for (const auto& m : moved)
    out << "<rect class=\"moved\" x=\"" << x(m.first) << "\" y=\"17\" width=\"" << width_of(m.first, m.last)
        << "\" height=\"" << 2 * bar + 16 << "\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\" "
        << "stroke-dasharray=\"3 2\"><title>moved " << xml_escape(routing::describe(m)) << "</title></rect>\n";

  double top = rows_top;
  for (std::size_t i : rows) {
    const auto& window = report.run.windows[i];
    const auto& ids = report.analysis.windows[i].disconnected;
    text_at(4, top + row - 5, "#" + std::to_string(window.index) + " " + window.name, out);
    // Grey under red: grey alone is expected but stayed connected, red alone is unexpected.
    for (const auto& run : expected_slot_runs(window, modulus))
      out << "<rect class=\"expected-slots\" data-event=\"" << window.index << "\" x=\"" << x(run.first) << "\" y=\""
          << top << "\" width=\"" << width_of(run.first, run.last) << "\" height=\"" << row << "\" fill=\""
          << kExpectedColour << "\"><title>#" << window.index << " expected to disconnect: slots " << run.first << "-"
          << run.last << "</title></rect>\n";
    for (const auto& run : slot_runs(ids, modulus))
      out << "<rect class=\"disconnected-slots\" data-event=\"" << window.index << "\" x=\"" << x(run.first)
          << "\" y=\"" << top + 2 << "\" width=\"" << width_of(run.first, run.last) << "\" height=\"" << row - 4
          << "\" fill=\"" << kDisconnectedColour << "\"><title>#" << window.index << " " << xml_escape(window.name)
          << ": slots " << run.first << (run.last != run.first ? "-" + std::to_string(run.last) : "")
          << "</title></rect>\n";
    top += row;
  }
  if (rows.empty()) text_at(4, top + row - 5, "no disconnections", out);
  const double axis_y = rows_top + row * static_cast<double>(std::max<std::size_t>(rows.size(), 1)) + 12;
  text_at(x(0), axis_y, "slot 0", out);
  text_at(right - 40, axis_y, std::to_string(modulus - 1), out);
  auto entries = unit_entries(colours);
  entries.push_back({"moved slots", "", true});
  entries.push_back({"disconnected (one row per event)", kDisconnectedColour});
  entries.push_back({"expected to disconnect", kExpectedColour});
  svg_legend(entries, 4, height - 10, out);
  out << "</svg>\n";
}

void latency_histogram(const Report& report, std::ostream& out) {
  std::vector<double> samples;  // ms
  for (const auto& facts : report.analysis.windows)
    for (const auto& r : facts.reconnects)
      if (r.connected_ns) samples.push_back(static_cast<double>(*r.connected_ns - r.disconnected_ns) / 1e6);
  const double height = 240, left = 60, bottom = 50, top = 10, right = kWidth - 10;
  const int bins = 30;
  const double hi = std::max(1.0, samples.empty() ? 1.0 : *std::max_element(samples.begin(), samples.end()));
  std::vector<int> counts(bins, 0);
  for (double s : samples) counts[std::min(bins - 1, static_cast<int>(s / hi * bins))]++;
  const int peak = std::max(1, *std::max_element(counts.begin(), counts.end()));
  const double bin_width = (right - left) / bins, axis_y = height - bottom;
  open_svg("chart-latency", height, out);
  for (int b = 0; b < bins; ++b) {
    double h = (axis_y - top) * counts[b] / peak;
    out << "<rect class=\"bar\" data-count=\"" << counts[b] << "\" x=\"" << left + b * bin_width << "\" y=\""
        << axis_y - h << "\" width=\"" << bin_width - 1 << "\" height=\"" << h << "\" fill=\"#1f77b4\"><title>"
        << counts[b] << " reconnects in " << std::lround(hi * b / bins) << "-" << std::lround(hi * (b + 1) / bins)
        << " ms</title></rect>\n";
  }
  out << "<line class=\"axis\" x1=\"" << left << "\" y1=\"" << axis_y << "\" x2=\"" << right << "\" y2=\"" << axis_y
      << "\" stroke=\"#333\"/>\n";
  text_at(left, axis_y + 14, "0 ms", out);
  text_at(right - 60, axis_y + 14, std::to_string(std::lround(hi)) + " ms", out);
  text_at(4, top + 10, std::to_string(peak), out);
  text_at(4, axis_y, "0", out);
  text_at(left + 200, axis_y + 14, "disconnect → reconnect (" + std::to_string(samples.size()) + " reconnects)", out);
  svg_legend({{"clients per bin", "#1f77b4"}}, left, height - 10, out);
  out << "</svg>\n";
}

}  // namespace wsfo::reports
