// `wsfo simulate --sweep`: validation up front (every range, the precision,
// the scenario scaled to FROM and to TO), then the bisection, one child
// `wsfo simulate` per trial, then capacity.json and report.html.
#include "cli/simulate_sweep.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/run_output.hpp"
#include "cli/self_path.hpp"
#include "core/scenario/population_scaling.hpp"
#include "core/scenario/scenario_loader.hpp"
#include "simulator/sweep/sweep_report.hpp"
#include "simulator/sweep/sweep_trial.hpp"

namespace wsfo::cli {

namespace simulate_sweep_parts {

constexpr const char* kCommand = "wsfo simulate";

int usage_error(const std::string& message) {
  std::cerr << kCommand << ": " << message << "\n";
  return kUsage;
}

struct LoadedDocument {
  json::Json document;
  std::optional<scenario::Scenario> scenario;
  int exit_code = kOk;
};

LoadedDocument load_document(const std::string& path) {
  LoadedDocument loaded;
  std::ifstream in(path);
  if (!in) {
    std::cerr << kCommand << ": cannot read '" << path << "'\n";
    loaded.exit_code = kIoError;
    return loaded;
  }
  std::stringstream text;
  text << in.rdbuf();
  json::Problems problems;
  if (auto document = json::parse(text.str(), problems)) {
    loaded.document = *document;
    loaded.scenario = scenario::read_scenario(*document, problems);
  }
  if (!problems.empty()) {
    for (const auto& p : problems.list()) std::cerr << path << ": " << json::format(p) << "\n";
    std::cerr << kCommand << ": " << path << " is not a valid scenario (problems above)\n";
    loaded.scenario.reset();
    loaded.exit_code = kInvalidInput;
  }
  return loaded;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace simulate_sweep_parts

using namespace simulate_sweep_parts;

int simulate_sweep(const SweepRequest& request) {
  std::vector<scenario::SweepRange> ranges;
  for (const auto& text : request.ranges) {
    auto parsed = scenario::parse_sweep_range(text);
    if (!parsed.range) return usage_error("--sweep " + parsed.error);
    ranges.push_back(*parsed.range);
  }
  LoadedDocument loaded = load_document(request.scenario);
  if (!loaded.scenario) return loaded.exit_code;
  auto checked = scenario::check_sweep(*loaded.scenario, ranges);
  if (!checked.sweep) return usage_error("--sweep: " + checked.error);
  const scenario::PopulationSweep& sweep = *checked.sweep;
  auto precision = sweep::parse_precision(request.precision, sweep.from(), sweep.to());
  if (!precision)
    return usage_error("--precision: '" + request.precision +
                       "' is not a positive client count (e.g. 50) or a percentage of TO - FROM (e.g. 2%)");
  // Scaling is monotone between the ends: if both are valid scenarios, every trial is.
  for (std::uint64_t end : {sweep.from(), sweep.to()}) {
    auto scaled = scenario::scale_scenario(loaded.document, *loaded.scenario, sweep, end);
    if (!scaled.scenario) return usage_error("--sweep " + sweep::ranges_text(sweep) + ": " + scaled.error);
  }

  sweep::TrialPlan plan;
  plan.wsfo = self_path();
  plan.sweep_dir =
      std::filesystem::absolute(request.report_dir.empty() ? default_report_dir(loaded.scenario->name + "-sweep")
                                                           : request.report_dir)
          .string();
  plan.simulate_options = request.simulate_options;
  std::error_code ec;
  std::filesystem::create_directories(plan.sweep_dir, ec);
  if (ec)
    return std::cerr << kCommand << ": cannot create '" << plan.sweep_dir << "': " << ec.message() << "\n", kIoError;

  std::cout << "sweep " << sweep::ranges_text(sweep) << " of " << loaded.scenario->name << " (precision " << *precision
            << " clients); trials in " << plan.sweep_dir << "/\n"
            << std::flush;
  sweep::SweepResult result{loaded.scenario->name, sweep, *precision, {}};
  result.search = sweep::bisect(sweep.from(), sweep.to(), *precision, [&](std::uint64_t population) {
    auto scaled = scenario::scale_scenario(loaded.document, *loaded.scenario, sweep, population);
    sweep::Trial trial;
    if (!scaled.scenario) {
      trial.population = population;
      trial.error = scaled.error;
    } else {
      trial = sweep::run_trial(plan, population, scaled.scenario->client_count(), scaled.document);
    }
    sweep::write_trial_line(trial, std::cout);
    return trial;
  });
  sweep::write_sweep_summary(result, std::cout);

  std::ostringstream html;
  reports::write_sweep_html(sweep::sweep_page(result), html);
  const std::string capacity_file = plan.sweep_dir + "/capacity.json";
  const std::string html_file = plan.sweep_dir + "/report.html";
  if (!write_file(capacity_file, sweep::sweep_json(result).dump(2) + "\n") || !write_file(html_file, html.str()))
    return std::cerr << kCommand << ": cannot write '" << capacity_file << "' or '" << html_file << "'\n", kIoError;
  std::cout << "sweep report: " << capacity_file << ", " << html_file << "\n";
  if (result.search.outcome == sweep::SweepOutcome::trial_error) {
    std::cerr << kCommand << ": " << result.search.trials.back().error << "\n";
    return kIoError;
  }
  return kOk;
}

}  // namespace wsfo::cli
