#pragma once
// What a trial's run directory says about it: the peaks of its capacity.json
// (gateway nodes' CPU, backend hosts' CPU, links' utilisation; the last two
// only when the model writes them) and the failed expectations of its
// report.json.
#include <optional>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "simulator/sweep/bisection.hpp"

namespace wsfo::sweep {

struct CapacityPeaks {
  std::optional<Resource> busiest_node;  // nodes[].peak_cpu
  std::optional<Resource> busiest;  // the highest of nodes[].peak_cpu, backends[].peak_cpu, links[].peak_utilisation
};

CapacityPeaks capacity_peaks(const json::Json& capacity);

// "#<event> <check>" of each expectation whose status is "fail" or "unknown".
std::vector<std::string> failed_expectations(const json::Json& report);

}  // namespace wsfo::sweep
