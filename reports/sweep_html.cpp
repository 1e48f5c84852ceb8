#include "reports/sweep_html.hpp"

#include <algorithm>
#include <cmath>

#include "reports/format.hpp"

namespace wsfo::reports {

namespace sweep_html_parts {

constexpr const char* kSweepStyle =
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
    "padding:2px 8px;text-align:left}tr.fail td{background:#fdd}tr.pass td{background:#dfd}";
constexpr double kSweepWidth = 900, kSweepHeight = 320, kSweepLeft = 60, kSweepRight = 20, kSweepTop = 30,
                 kSweepBottom = 50;
constexpr const char* kPassColour = "#2ca02c";
constexpr const char* kFailColour = "#d62728";
constexpr const char* kCpuColour = "#1f77b4";

std::string percent(double fraction) { return std::to_string(static_cast<int>(std::lround(fraction * 100))) + "%"; }

void sweep_chart(const SweepPage& page, std::ostream& out) {
  std::vector<SweepPageTrial> trials = page.trials;
  std::sort(trials.begin(), trials.end(), [](const auto& a, const auto& b) { return a.population < b.population; });
  double low = trials.empty() ? 0 : static_cast<double>(trials.front().population);
  double high = trials.empty() ? 1 : static_cast<double>(trials.back().population);
  if (high <= low) high = low + 1;
  double max_cpu = 1;
  for (const auto& t : trials) max_cpu = std::max(max_cpu, t.peak_cpu.value_or(0));
  const double plot_w = kSweepWidth - kSweepLeft - kSweepRight, plot_h = kSweepHeight - kSweepTop - kSweepBottom;
  auto x_of = [&](double population) { return kSweepLeft + (population - low) / (high - low) * plot_w; };
  auto y_of = [&](double cpu) { return kSweepTop + plot_h - cpu / max_cpu * plot_h; };

  out << "<svg id=\"chart-sweep\" class=\"chart\" viewBox=\"0 0 " << kSweepWidth << " " << kSweepHeight << "\" width=\""
      << kSweepWidth << "\" height=\"" << kSweepHeight << "\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">\n";
  // Axes, CPU gridlines at 0, 50 and 100% of one core.
  out << "<line x1=\"" << kSweepLeft << "\" y1=\"" << kSweepTop + plot_h << "\" x2=\"" << kSweepWidth - kSweepRight
      << "\" y2=\"" << kSweepTop + plot_h << "\" stroke=\"#000\"/>\n";
  for (double cpu : {0.0, 0.5, 1.0}) {
    out << "<line x1=\"" << kSweepLeft << "\" y1=\"" << y_of(cpu) << "\" x2=\"" << kSweepWidth - kSweepRight
        << "\" y2=\"" << y_of(cpu) << "\" stroke=\"#ddd\"/>\n";
    out << "<text x=\"" << kSweepLeft - 6 << "\" y=\"" << y_of(cpu) + 4 << "\" text-anchor=\"end\">" << percent(cpu)
        << "</text>\n";
  }
  out << "<text x=\"" << kSweepLeft + plot_w / 2 << "\" y=\"" << kSweepHeight - 8
      << "\" text-anchor=\"middle\">population (swept clients)</text>\n";
  out << "<text x=\"12\" y=\"" << kSweepTop + plot_h / 2 << "\" transform=\"rotate(-90 12 " << kSweepTop + plot_h / 2
      << ")\" text-anchor=\"middle\">busiest gateway node's peak CPU</text>\n";
  // The knee: the band between the largest passing and the smallest failing population.
  if (page.passing && page.failing) {
    double x1 = x_of(static_cast<double>(*page.passing)), x2 = x_of(static_cast<double>(*page.failing));
    out << "<rect class=\"knee\" x=\"" << x1 << "\" y=\"" << kSweepTop << "\" width=\"" << std::max(2.0, x2 - x1)
        << "\" height=\"" << plot_h << "\" fill=\"#ffbf00\" opacity=\"0.35\"/>\n";
  }
  // Peak CPU as a line over the trials, then one mark per trial on the x axis.
  std::string points;
  for (const auto& t : trials)
    if (t.peak_cpu)
      points += std::to_string(x_of(static_cast<double>(t.population))) + "," + std::to_string(y_of(*t.peak_cpu)) + " ";
  if (!points.empty())
    out << "<polyline class=\"peak-cpu\" points=\"" << points << "\" fill=\"none\" stroke=\"" << kCpuColour
        << "\" stroke-width=\"2\"/>\n";
  double last_label_x = -1e9;
  for (const auto& t : trials) {
    double x = x_of(static_cast<double>(t.population));
    if (t.peak_cpu)
      out << "<circle class=\"cpu\" cx=\"" << x << "\" cy=\"" << y_of(*t.peak_cpu) << "\" r=\"3\" fill=\"" << kCpuColour
          << "\"><title>" << t.population << ": " << xml_escape(t.busiest_node) << " " << percent(*t.peak_cpu)
          << "</title></circle>\n";
    out << "<circle class=\"trial " << (t.passed ? "pass" : "fail") << "\" cx=\"" << x << "\" cy=\""
        << kSweepTop + plot_h << "\" r=\"5\" fill=\"" << (t.passed ? kPassColour : kFailColour) << "\"><title>"
        << t.population << ": " << (t.passed ? "pass" : "fail") << "</title></circle>\n";
    // Bisection packs trials near the knee: label only those with room (each mark has its own title).
    if (x - last_label_x < 48) continue;
    last_label_x = x;
    out << "<text x=\"" << x << "\" y=\"" << kSweepTop + plot_h + 18 << "\" text-anchor=\"middle\">" << t.population
        << "</text>\n";
  }
  out << "<g class=\"legend\"><circle cx=\"" << kSweepLeft + 8 << "\" cy=\"14\" r=\"5\" fill=\"" << kPassColour
      << "\"/><text x=\"" << kSweepLeft + 16 << "\" y=\"18\">pass</text><circle cx=\"" << kSweepLeft + 60
      << "\" cy=\"14\" r=\"5\" fill=\"" << kFailColour << "\"/><text x=\"" << kSweepLeft + 68
      << "\" y=\"18\">fail</text><line x1=\"" << kSweepLeft + 110 << "\" y1=\"14\" x2=\"" << kSweepLeft + 130
      << "\" y2=\"14\" stroke=\"" << kCpuColour << "\" stroke-width=\"2\"/><text x=\"" << kSweepLeft + 136
      << "\" y=\"18\">peak CPU</text></g>\n";
  out << "</svg>\n";
}

}  // namespace sweep_html_parts

using namespace sweep_html_parts;

void write_sweep_html(const SweepPage& page, std::ostream& out) {
  out << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sweep: " << xml_escape(page.scenario)
      << "</title>\n<style>" << kSweepStyle << "</style></head><body>\n";
  out << "<h1>" << xml_escape(page.scenario) << " <small>(capacity sweep)</small></h1>\n";
  out << "<p id=\"question\">" << xml_escape(page.question) << "</p>\n";
  out << "<p id=\"answer\"><b>" << xml_escape(page.answer) << "</b></p>\n";
  if (!page.limiting.empty()) out << "<p id=\"limiting\">limiting resource: " << xml_escape(page.limiting) << "</p>\n";
  sweep_chart(page, out);
  out << "<h2>Trials</h2>\n<table id=\"trials\"><tr><th>#</th><th>population</th><th>verdict</th>"
      << "<th>failed expectations</th><th>busiest gateway node</th><th>busiest resource</th></tr>\n";
  for (std::size_t i = 0; i < page.trials.size(); ++i) {
    const auto& t = page.trials[i];
    std::string failed;
    for (const auto& f : t.failed) failed += (failed.empty() ? "" : ", ") + f;
    out << "<tr class=\"" << (t.passed ? "pass" : "fail") << "\"><td>" << i + 1 << "</td><td>" << t.population
        << "</td><td>" << (t.passed ? "pass" : "fail") << "</td><td>" << xml_escape(failed) << "</td><td>"
        << xml_escape(t.peak_cpu ? t.busiest_node + " " + percent(*t.peak_cpu) : std::string("-")) << "</td><td>"
        << xml_escape(t.busiest.empty() ? std::string("-") : t.busiest) << "</td></tr>\n";
  }
  out << "</table>\n</body></html>\n";
}

}  // namespace wsfo::reports
