#pragma once
// `wsfo bench fidelity`: one point's figures from N live runs against the
// simulated run of the same scenario. A figure is within when the simulated
// value lies in [0.9 x live min, 1.1 x live max]; the "saturated" verdict
// (a majority of live runs against the simulated run) must match.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace wsfo::bench {

// What one run (live or simulated) gave: figures by name (a figure the run
// could not report is absent) and its saturated verdict.
struct RunSample {
  std::map<std::string, double> figures;
  bool saturated = false;
};

struct FigureComparison {
  std::string name;
  std::optional<double> live_min{}, live_median{}, live_max{};  // over the live runs that reported it
  std::size_t live_reported = 0;
  std::optional<double> simulated{};
  std::optional<double> ratio{};  // simulated / live median; absent when the median is 0
  bool within = false;
  bool censored = false;  // a time figure some live runs lack: they were not back within the window
};

// A time until clients are back (back_99_s): a run that lacks it was not back
// within its window. Its live range is then open above: the simulated value
// is within when it is not back either, or not below 0.9 x the live min.
bool censored_by_window(const std::string& figure);

struct PointComparison {
  std::string point;
  std::vector<FigureComparison> figures;
  std::size_t live_runs = 0;
  std::size_t live_saturated_runs = 0;
  bool live_saturated = false;  // a strict majority of the live runs
  bool simulated_saturated = false;
  bool verdict_matches() const { return live_saturated == simulated_saturated; }
  bool passed() const;
  // "gateway_cpu: simulated 0.20 outside [0.27, 0.44]", "saturated: live yes (3 of 5), simulated no".
  std::vector<std::string> misses() const;
};

// `figure_names` in the order they are printed.
PointComparison compare_point(const std::string& point, const std::vector<std::string>& figure_names,
                              const std::vector<RunSample>& live, const RunSample& simulated);

// The table (one row per point and figure, one per point's verdict).
void write_table(std::ostream& out, const std::vector<PointComparison>& points);
nlohmann::json to_json(const PointComparison& point);

}  // namespace wsfo::bench
