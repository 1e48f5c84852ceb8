#pragma once
// report.html of `wsfo simulate --sweep` (docs/sweep.md): the trials and the
// knee in a table, and one inline SVG chart (id chart-sweep, no network):
// population on x, each trial's pass/fail mark and its busiest gateway node's
// peak CPU on y.
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace wsfo::reports {

struct SweepPageTrial {
  std::uint64_t population = 0;
  bool passed = false;
  std::vector<std::string> failed{};  // failed expectations
  std::optional<double> peak_cpu{};   // busiest gateway node's peak CPU, 0..1 of one core
  std::string busiest_node{};
  std::string busiest{};  // "gateway-cpu center-gw2 100%": the busiest resource of any kind
};

struct SweepPage {
  std::string scenario;
  std::string question;  // "fleet=100..5000, precision 49"
  std::string answer;    // "knee between 2300 (pass) and 2349 (fail)" or "holds at TO"
  std::string limiting;  // "gateway-cpu center-gw2, peak 100% (trial 2349)" or ""
  std::optional<std::uint64_t> passing{};
  std::optional<std::uint64_t> failing{};
  std::vector<SweepPageTrial> trials{};  // in the order they ran
};

void write_sweep_html(const SweepPage& page, std::ostream& out);

}  // namespace wsfo::reports
