#include "simulator/sweep/sweep_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace wsfo::sweep {

namespace sweep_report_parts {

std::string percent(double fraction) { return std::to_string(static_cast<int>(std::lround(fraction * 100))) + "%"; }

std::string resource_text(const Resource& r) { return r.kind + " " + r.name + ", peak " + percent(r.peak); }

const Trial* trial_at(const SweepSearch& search, std::optional<std::uint64_t> population) {
  if (!population) return nullptr;
  for (const auto& t : search.trials)
    if (t.population == *population) return &t;
  return nullptr;
}

json::Json resource_json(const std::optional<Resource>& r) {
  if (!r) return nullptr;
  return {{"kind", r->kind}, {"name", r->name}, {"peak", r->peak}};
}

std::string answer_text(const SweepResult& result) {
  const SweepSearch& s = result.search;
  switch (s.outcome) {
    case SweepOutcome::knee:
      return "knee: holds at " + std::to_string(*s.passing) + ", fails at " + std::to_string(*s.failing) + " (within " +
             std::to_string(result.precision) + ")";
    case SweepOutcome::holds_at_to:
      return "no knee within the range: the expectations hold at TO (" + std::to_string(*s.passing) + ")";
    case SweepOutcome::fails_at_from:
      return "fails already at FROM (" + std::to_string(*s.failing) + ")";
    case SweepOutcome::trial_error:
      return "no answer: a trial could not run (" + (s.trials.empty() ? std::string("?") : s.trials.back().error) + ")";
  }
  return "";
}

std::string limiting_text(const SweepSearch& search) {
  auto limiting = limiting_resource(search);
  if (!limiting) return "";
  return resource_text(limiting->resource) + " (trial " + std::to_string(limiting->trial) +
         (limiting->from_failing ? ", the smallest failing" : ", the largest passing: nothing failed") + ")";
}

}  // namespace sweep_report_parts

using namespace sweep_report_parts;

std::optional<LimitingResource> limiting_resource(const SweepSearch& search) {
  bool from_failing = search.failing.has_value();
  const Trial* trial = trial_at(search, from_failing ? search.failing : search.passing);
  if (!trial || !trial->busiest) return std::nullopt;
  return LimitingResource{*trial->busiest, trial->population, from_failing};
}

std::string ranges_text(const scenario::PopulationSweep& sweep) {
  std::string text;
  for (const auto& r : sweep.ranges)
    text += (text.empty() ? "" : ", ") + r.group + "=" + std::to_string(r.from) + ".." + std::to_string(r.to);
  return text;
}

void write_trial_line(const Trial& trial, std::ostream& out) {
  out << "  trial " << trial.population << " (" << trial.clients << " clients in all): ";
  if (trial.verdict == TrialVerdict::error) {
    out << "ERROR " << trial.error << "\n";
    return;
  }
  out << (trial.verdict == TrialVerdict::pass ? "pass" : "FAIL");
  if (!trial.failed.empty()) {
    out << "  failed:";
    for (const auto& f : trial.failed) out << " " << f << (&f == &trial.failed.back() ? "" : ",");
  }
  if (trial.busiest_node)
    out << "  busiest node " << trial.busiest_node->name << " " << percent(trial.busiest_node->peak) << " cpu";
  char wall[32];
  std::snprintf(wall, sizeof wall, "  (%.2f s)", trial.wall_s);
  out << wall << "\n" << std::flush;
}

void write_sweep_summary(const SweepResult& result, std::ostream& out) {
  out << "sweep " << ranges_text(result.sweep) << ": " << answer_text(result) << "\n";
  if (auto text = limiting_text(result.search); !text.empty()) out << "limiting resource: " << text << "\n";
}

json::Json sweep_json(const SweepResult& result) {
  const SweepSearch& s = result.search;
  json::Json groups = json::Json::array();
  for (const auto& r : result.sweep.ranges) groups.push_back({{"group", r.group}, {"from", r.from}, {"to", r.to}});
  json::Json trials = json::Json::array();
  for (const auto& t : s.trials)
    trials.push_back({{"population", t.population},
                      {"clients", t.clients},
                      {"verdict", verdict_name(t.verdict)},
                      {"exit_code", t.exit_code},
                      {"error", t.error},
                      {"failed", t.failed},
                      {"busiest_node", resource_json(t.busiest_node)},
                      {"busiest", resource_json(t.busiest)},
                      {"wall_s", t.wall_s},
                      {"dir", t.dir}});
  json::Json limiting = nullptr;
  if (auto l = limiting_resource(s))
    limiting = {{"kind", l->resource.kind},
                {"name", l->resource.name},
                {"peak", l->resource.peak},
                {"trial", l->trial},
                {"basis", l->from_failing ? "smallest failing trial" : "largest passing trial"}};
  const Trial* knee_trial = trial_at(s, s.passing);
  return {
      {"schema", "wsfo-sweep/1"},
      {"scenario", result.scenario},
      {"sweep",
       {{"groups", groups}, {"from", result.sweep.from()}, {"to", result.sweep.to()}, {"precision", result.precision}}},
      {"trials", trials},
      {"knee",
       {{"outcome", outcome_name(s.outcome)},
        {"largest_passing", s.passing ? json::Json(*s.passing) : json::Json(nullptr)},
        {"smallest_failing", s.failing ? json::Json(*s.failing) : json::Json(nullptr)},
        {"largest_passing_busiest", resource_json(knee_trial ? knee_trial->busiest : std::nullopt)}}},
      {"limiting_resource", limiting}};
}

reports::SweepPage sweep_page(const SweepResult& result) {
  reports::SweepPage page;
  page.scenario = result.scenario;
  page.question = "sweep " + ranges_text(result.sweep) + ", precision " + std::to_string(result.precision) +
                  " clients: the largest population for which every expectation holds";
  page.answer = answer_text(result);
  page.limiting = limiting_text(result.search);
  page.passing = result.search.passing;
  page.failing = result.search.failing;
  for (const auto& t : result.search.trials) {
    if (t.verdict == TrialVerdict::error) continue;
    reports::SweepPageTrial trial;
    trial.population = t.population;
    trial.passed = t.verdict == TrialVerdict::pass;
    trial.failed = t.failed;
    if (t.busiest_node) trial.peak_cpu = t.busiest_node->peak, trial.busiest_node = t.busiest_node->name;
    if (t.busiest) trial.busiest = t.busiest->kind + " " + t.busiest->name + " " + percent(t.busiest->peak);
    page.trials.push_back(trial);
  }
  return page;
}

}  // namespace wsfo::sweep
