// `wsfo bench fidelity`: each point's scenario played live (N runs) and in
// the model, the same figures computed from both, side by side.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/run_output.hpp"
#include "cli/self_path.hpp"
#include "process/status_line.hpp"
#include "simulator/bench/fidelity_compare.hpp"
#include "simulator/bench/fidelity_runs.hpp"

namespace wsfo::cli {

namespace {

struct FidelityFlags {
  int runs = 5;
  std::string points;  // comma-separated names; empty: every point
  std::string points_dir = data_path("scenarios/fidelity");
  std::string report_dir;
  std::string live_from;  // an earlier report dir whose live runs are read, not played again
};

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream in(text);
  std::string name;
  while (std::getline(in, name, ','))
    if (!name.empty()) names.push_back(name);
  return names;
}

int fidelity(const FidelityFlags& flags) {
  for (const std::string& dir : {flags.points_dir, flags.live_from}) {
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
      std::cerr << "wsfo bench fidelity: cannot read the folder '" << dir << "'\n";
      return kIoError;
    }
  }
  std::string error;
  auto all = bench::load_points(flags.points_dir, error);
  if (!error.empty()) {
    std::cerr << "wsfo bench fidelity: " << error << "\n";
    return kInvalidInput;
  }
  std::vector<bench::FidelityPoint> points;
  if (flags.points.empty()) {
    points = all;
  } else {
    auto names = split_names(flags.points);
    if (names.empty()) {
      std::cerr << "wsfo bench fidelity: --points names no point\n";
      return kUsage;
    }
    for (const auto& name : names) {
      auto it = std::find_if(all.begin(), all.end(), [&](const auto& p) { return p.name == name; });
      if (it == all.end()) {
        std::string known;
        for (const auto& p : all) known += (known.empty() ? "" : ", ") + p.name;
        std::cerr << "wsfo bench fidelity: no point \"" << name << "\" in " << flags.points_dir << " (known: " << known
                  << ")\n";
        return kUsage;
      }
      points.push_back(*it);
    }
  }
  std::string out_dir =
      std::filesystem::absolute(flags.report_dir.empty() ? default_report_dir("fidelity") : flags.report_dir).string();
  std::filesystem::create_directories(out_dir);
  std::cout << "wsfo bench fidelity --runs " << flags.runs << " --points ";
  for (std::size_t i = 0; i < points.size(); ++i) std::cout << (i ? "," : "") << points[i].name;
  std::cout << " --report-dir " << out_dir;
  if (!flags.live_from.empty()) std::cout << " --live-from " << flags.live_from;
  std::cout << "\n" << std::flush;

  std::vector<bench::PointComparison> compared;
  std::vector<std::string> unmade;
  nlohmann::json document = {{"runs", flags.runs}, {"points", nlohmann::json::array()}};
  if (!flags.live_from.empty()) document["live_from"] = flags.live_from;
  process::StatusLine status("bench fidelity");
  std::ostream& log = status.log();
  for (std::size_t p = 0; p < points.size(); ++p) {
    const auto& point = points[p];
    const std::string named =
        point.name + " (point " + std::to_string(p + 1) + " of " + std::to_string(points.size()) + ")";
    std::string dir = out_dir + "/" + point.name;
    status.doing(named + ": simulated");
    auto simulated = bench::play(self_path(), point, dir + "/simulated", false);
    log << point.name << ": simulated " << (simulated.sample ? "done" : "could not be made: " + simulated.error) << "\n"
        << std::flush;
    std::vector<bench::RunSample> live;
    std::string live_error;
    for (int i = 1; i <= flags.runs && live_error.empty(); ++i) {  // one at a time: they share the machine
      const std::string name = "/live-" + std::to_string(i);
      status.doing(named + ": live run " + std::to_string(i) + " of " + std::to_string(flags.runs));
      auto run = flags.live_from.empty()
                     ? bench::play(self_path(), point, dir + name, true)
                     : bench::read_run_dir(point, flags.live_from + "/" + point.name + name, true);
      if (run.sample)
        live.push_back(*run.sample);
      else
        live_error = run.error;
      log << point.name << ": live run " << i << " of " << flags.runs << " "
          << (run.sample ? (flags.live_from.empty() ? "done" : "read from " + flags.live_from)
                         : "could not be made: " + run.error)
          << "\n"
          << std::flush;
    }
    if (!simulated.sample || !live_error.empty()) {
      unmade.push_back(point.name + ": " + (simulated.sample ? live_error : simulated.error));
      document["points"].push_back({{"point", point.name}, {"error", unmade.back()}});
      continue;
    }
    compared.push_back(bench::compare_point(point.name, bench::figure_names(point), live, *simulated.sample));
    document["points"].push_back(bench::to_json(compared.back()));
  }
  status.finish();
  std::cout << "\n";
  bench::write_table(std::cout, compared);
  bool all_passed = true;
  for (const auto& p : compared)
    for (const auto& miss : p.misses()) {
      all_passed = false;
      std::cout << "MISSED " << p.point << ": " << miss << "\n";
    }
  for (const auto& u : unmade) std::cout << "NOT MADE " << u << "\n";
  std::ofstream(out_dir + "/fidelity.json") << document.dump(1) << "\n";
  std::cout << "runs and fidelity.json: " << out_dir << "/\n";
  if (!unmade.empty()) return kNotJudged;  // a run could not be made
  return all_passed ? kOk : kCheckFailed;
}

}  // namespace

void add_bench_fidelity_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      bench_command(app)
          ->add_subcommand("fidelity",
                           "Each point's scenario live (N runs) and simulated, the same figures side by side")
          ->footer(
              "Per point and figure: live min / median / max, simulated, simulated / live median, and within "
              "(the simulated value in [0.9 x live min, 1.1 x live max]); and the saturated verdict (a handshake "
              "timed out or the handshake p99 exceeded 1 s), live by majority, which must match the simulated "
              "one (docs/fidelity.md).\nExit: 0 every point within and every verdict matching, 1 one missed (the "
              "lines MISSED say which), 2 usage, an invalid point or a run that could not be made, 3 a folder that "
              "cannot be read.\nOn a terminal, a status line: the point, the run (simulated or live i of N), the time "
              "so far.");
  static FidelityFlags flags;
  cmd->add_option("--runs", flags.runs, "Live runs per point")->capture_default_str()->check(CLI::Range(1, 100));
  cmd->add_option("--points", flags.points, "Comma-separated point names (default: every scenario of --points-dir)");
  cmd->add_option("--points-dir", flags.points_dir, "Where the point scenarios are")->capture_default_str();
  cmd->add_option("--report-dir", flags.report_dir, "Where the runs go (default: reports/out/fidelity-<time>)");
  cmd->add_option("--live-from", flags.live_from,
                  "Read the live runs from this earlier report dir (its <point>/live-<i>) instead of playing them: "
                  "the model judged again against the same live runs");
  cmd->callback([&exit_code] { exit_code = fidelity(flags); });
}

}  // namespace wsfo::cli
