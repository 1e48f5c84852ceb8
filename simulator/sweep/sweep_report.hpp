#pragma once
// What a sweep says (docs/sweep.md): a line per trial, the knee and the
// limiting resource on stdout; capacity.json and report.html in the sweep
// directory.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/json/json_reader.hpp"
#include "core/scenario/population_scaling.hpp"
#include "reports/sweep_html.hpp"
#include "simulator/sweep/bisection.hpp"

namespace wsfo::sweep {

struct SweepResult {
  std::string scenario;  // its name
  scenario::PopulationSweep sweep;
  std::uint64_t precision = 1;
  SweepSearch search;
};

// The resource with the highest peak in the smallest failing trial (the knee's
// failing side); without a failing trial, in the largest passing one.
struct LimitingResource {
  Resource resource;
  std::uint64_t trial = 0;  // its population
  bool from_failing = false;
};
std::optional<LimitingResource> limiting_resource(const SweepSearch& search);

// "fleet=100..5000"; several ranges joined by ", ".
std::string ranges_text(const scenario::PopulationSweep& sweep);

// "  trial 2349 clients (2351 in all): FAIL  #0 reconnect_within  busiest node center-gw2 100% cpu  (0.41 s)"
void write_trial_line(const Trial& trial, std::ostream& out);
// The knee (or why there is none) and the limiting resource.
void write_sweep_summary(const SweepResult& result, std::ostream& out);

json::Json sweep_json(const SweepResult& result);
reports::SweepPage sweep_page(const SweepResult& result);

}  // namespace wsfo::sweep
