#include "simulator/sweep/capacity_peaks.hpp"

namespace wsfo::sweep {

namespace capacity_peaks_parts {

// The entry's name: "name", or the key its array uses for it ("node", "backend", "link").
std::string entry_name(const json::Json& entry, const char* key) {
  for (const char* candidate : {"name", key})
    if (entry.contains(candidate) && entry[candidate].is_string()) return entry[candidate].get<std::string>();
  return "?";
}

// The entry of `array` with the highest number at `peak_key`, as a Resource of `kind`.
std::optional<Resource> highest(const json::Json& capacity, const char* array, const char* name_key,
                                const char* peak_key, const char* kind) {
  std::optional<Resource> best;
  if (!capacity.is_object() || !capacity.contains(array) || !capacity[array].is_array()) return best;
  for (const json::Json& entry : capacity[array]) {
    if (!entry.is_object() || !entry.contains(peak_key) || !entry[peak_key].is_number()) continue;
    double peak = entry[peak_key].get<double>();
    if (!best || peak > best->peak) best = Resource{kind, entry_name(entry, name_key), peak};
  }
  return best;
}

}  // namespace capacity_peaks_parts

using namespace capacity_peaks_parts;

CapacityPeaks capacity_peaks(const json::Json& capacity) {
  CapacityPeaks peaks;
  peaks.busiest_node = highest(capacity, "nodes", "node", "peak_cpu", "gateway-cpu");
  peaks.busiest = peaks.busiest_node;
  for (auto candidate : {highest(capacity, "backends", "backend", "peak_cpu", "backend-cpu"),
                         highest(capacity, "links", "link", "peak_utilisation", "link")})
    if (candidate && (!peaks.busiest || candidate->peak > peaks.busiest->peak)) peaks.busiest = candidate;
  return peaks;
}

std::vector<std::string> failed_expectations(const json::Json& report) {
  std::vector<std::string> failed;
  if (!report.is_object() || !report.contains("expectations") || !report["expectations"].is_array()) return failed;
  for (const json::Json& e : report["expectations"]) {
    std::string status = e.value("status", "");
    if (status != "fail" && status != "unknown") continue;
    failed.push_back("#" + std::to_string(e.value("event", 0)) + " " + e.value("check", std::string("?")));
  }
  return failed;
}

}  // namespace wsfo::sweep
