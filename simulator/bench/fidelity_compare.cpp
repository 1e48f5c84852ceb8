#include "simulator/bench/fidelity_compare.hpp"

#include <algorithm>
#include <cstdio>

#include "simulator/bench/paired_rounds.hpp"

namespace wsfo::bench {

namespace {

constexpr double kLowFactor = 0.9;
constexpr double kHighFactor = 1.1;

// Whole numbers as they are, others with 3 significant digits (plain up to 99999).
std::string number(const std::optional<double>& value) {
  if (!value) return "n/a";
  char text[32];
  double v = *value;
  if (v == static_cast<double>(static_cast<long long>(v)) && v < 1e9 && v > -1e9)
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(v));
  else if (v >= 100 || v <= -100)
    std::snprintf(text, sizeof text, "%.0f", v);
  else if (v != 0 && v < 0.01 && v > -0.01)
    std::snprintf(text, sizeof text, "%.2e", v);
  else
    std::snprintf(text, sizeof text, "%.3g", v);
  return text;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

}  // namespace

bool censored_by_window(const std::string& figure) { return figure == "back_99_s"; }

PointComparison compare_point(const std::string& point, const std::vector<std::string>& figure_names,
                              const std::vector<RunSample>& live, const RunSample& simulated) {
  PointComparison result;
  result.point = point;
  result.live_runs = live.size();
  for (const auto& run : live) result.live_saturated_runs += run.saturated ? 1 : 0;
  result.live_saturated = 2 * result.live_saturated_runs > result.live_runs;
  result.simulated_saturated = simulated.saturated;
  for (const auto& name : figure_names) {
    FigureComparison f;
    f.name = name;
    std::vector<double> values;
    for (const auto& run : live)
      if (auto it = run.figures.find(name); it != run.figures.end()) values.push_back(it->second);
    f.live_reported = values.size();
    if (!values.empty()) {
      f.live_min = *std::min_element(values.begin(), values.end());
      f.live_max = *std::max_element(values.begin(), values.end());
      f.live_median = median(values);
    }
    if (auto it = simulated.figures.find(name); it != simulated.figures.end()) f.simulated = it->second;
    if (f.simulated && f.live_median && *f.live_median != 0) f.ratio = *f.simulated / *f.live_median;
    if (censored_by_window(name)) {
      // A run that lacks it was not back within its window: later than any
      // value it could have had, so the live range is open above.
      f.censored = values.size() < live.size();
      const bool above_low = !values.empty() && f.simulated && *f.simulated >= kLowFactor * *f.live_min;
      f.within = f.censored ? (!f.simulated || above_low) : above_low && *f.simulated <= kHighFactor * *f.live_max;
    } else {
      // Every live run must have reported it: a figure some runs lack is not comparable.
      f.within = f.simulated && !values.empty() && values.size() == live.size() &&
                 *f.simulated >= kLowFactor * *f.live_min && *f.simulated <= kHighFactor * *f.live_max;
    }
    result.figures.push_back(std::move(f));
  }
  return result;
}

bool PointComparison::passed() const { return misses().empty(); }

std::vector<std::string> PointComparison::misses() const {
  std::vector<std::string> out;
  for (const auto& f : figures) {
    if (f.within) continue;
    if (f.censored && !f.live_min) {
      out.push_back(f.name + ": simulated " + number(f.simulated) + ", while no live run was back within the window");
    } else if (f.censored) {
      out.push_back(f.name + ": simulated " + number(f.simulated) + " below " + number(kLowFactor * *f.live_min) +
                    ", while " + std::to_string(live_runs - f.live_reported) + " of " + std::to_string(live_runs) +
                    " live runs were not back within the window");
    } else if (!f.simulated) {
      out.push_back(f.name + ": the simulated run does not report it");
    } else if (f.live_reported < live_runs || !f.live_min) {
      out.push_back(f.name + ": reported by " + std::to_string(f.live_reported) + " of " + std::to_string(live_runs) +
                    " live runs");
    } else {
      out.push_back(f.name + ": simulated " + number(f.simulated) + " outside [" + number(kLowFactor * *f.live_min) +
                    ", " + number(kHighFactor * *f.live_max) + "]" +
                    (f.ratio ? " (" + number(f.ratio) + "x the live median)" : std::string()));
    }
  }
  if (!verdict_matches())
    out.push_back("saturated: live " + yes_no(live_saturated) + " (" + std::to_string(live_saturated_runs) + " of " +
                  std::to_string(live_runs) + " runs), simulated " + yes_no(simulated_saturated));
  return out;
}

void write_table(std::ostream& out, const std::vector<PointComparison>& points) {
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %-24s %10s %10s %10s %10s %8s  %s\n", "point", "figure", "live min", "median",
                "max", "simulated", "sim/live", "within");
  out << line;
  for (const auto& p : points) {
    for (const auto& f : p.figures) {
      std::snprintf(line, sizeof line, "%-20s %-24s %10s %10s %10s %10s %8s  %s\n", p.point.c_str(), f.name.c_str(),
                    number(f.live_min).c_str(), number(f.live_median).c_str(),
                    f.censored ? "later" : number(f.live_max).c_str(),
                    f.simulated || !censored_by_window(f.name) ? number(f.simulated).c_str() : "later",
                    number(f.ratio).c_str(), yes_no(f.within).c_str());
      out << line;
    }
    std::string live = yes_no(p.live_saturated) + " (" + std::to_string(p.live_saturated_runs) + "/" +
                       std::to_string(p.live_runs) + ")";
    std::snprintf(line, sizeof line, "%-20s %-24s %32s %10s %8s  %s\n", p.point.c_str(), "saturated", live.c_str(),
                  yes_no(p.simulated_saturated).c_str(), "", p.verdict_matches() ? "match" : "MISMATCH");
    out << line;
  }
}

nlohmann::json to_json(const PointComparison& point) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json figures = nlohmann::json::array();
  for (const auto& f : point.figures)
    figures.push_back({{"figure", f.name},
                       {"live_min", opt(f.live_min)},
                       {"live_median", opt(f.live_median)},
                       {"live_max", opt(f.live_max)},
                       {"live_reported", f.live_reported},
                       {"simulated", opt(f.simulated)},
                       {"live_not_back_within_window", f.censored},
                       {"ratio", opt(f.ratio)},
                       {"within", f.within}});
  return {{"point", point.point},
          {"live_runs", point.live_runs},
          {"figures", figures},
          {"live_saturated_runs", point.live_saturated_runs},
          {"live_saturated", point.live_saturated},
          {"simulated_saturated", point.simulated_saturated},
          {"verdict_matches", point.verdict_matches()},
          {"passed", point.passed()},
          {"misses", point.misses()}};
}

}  // namespace wsfo::bench
