// `wsfo report RUN_DIR`: the reports of a played run rebuilt from its
// history.jsonl, scenario.json and run.json, its expectations judged again by
// the code the run used. `wsfo report --compare RUN_A RUN_B`: two runs of one
// scenario side by side, per timeline event, with the crosscheck's comparison.
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/crosscheck_text.hpp"
#include "cli/run_output.hpp"
#include "core/compare/run_comparison.hpp"
#include "reports/run_dir.hpp"

namespace wsfo::cli {

namespace {

constexpr const char* kReportCommand = "wsfo report";

struct ReportRequest {
  std::vector<std::string> run_dirs;
  std::string out_dir;  // empty: the run directory itself
  bool compare = false;
};

// The run's report, or the exit status of why there is none (said on stderr).
std::optional<reports::Report> load(const std::string& dir, int& status) {
  reports::LoadedRun loaded = reports::load_run_dir(dir);
  if (loaded.report) return std::move(loaded.report);
  std::cerr << kReportCommand << ": " << loaded.error << "\n";
  status = loaded.status == reports::LoadedRun::Status::unreadable ? kIoError : kUsage;
  return std::nullopt;
}

int rerender(const ReportRequest& request) {
  const std::string& dir = request.run_dirs.front();
  int status = kOk;
  auto report = load(dir, status);
  if (!report) return status;
  const std::string out = request.out_dir.empty() ? dir : request.out_dir;
  std::error_code ignored;
  const bool in_place = std::filesystem::equivalent(dir, out, ignored);
  // In place, history.jsonl stays as the run wrote it; elsewhere it is written
  // from the events read, so that the new directory can be re-rendered too.
  return finish_run(*report, out, kReportCommand, (std::filesystem::path(dir) / "scenario.json").string(), {},
                    in_place ? reports::HistoryFile::by_caller : reports::HistoryFile::from_report);
}

// "simulate", "live", "live nginx-keepalived"; "A: ..."/"B: ..." when both are the same.
std::pair<std::string, std::string> labels(const reports::Report& a, const reports::Report& b) {
  auto label = [](const reports::Report& r) { return r.run.engine + (r.run.stack == "wsfo" ? "" : " " + r.run.stack); };
  std::string la = label(a), lb = label(b);
  if (la == lb) return {"A: " + la, "B: " + lb};
  return {la, lb};
}

int compare_runs(const ReportRequest& request) {
  int status = kOk;
  auto a = load(request.run_dirs[0], status);
  if (!a) return status;
  auto b = load(request.run_dirs[1], status);
  if (!b) return status;
  if (a->run.scenario != b->run.scenario)
    std::cerr << kReportCommand << ": note: the runs played different scenarios (\"" << a->run.scenario << "\", \""
              << b->run.scenario << "\")\n";
  auto [label_a, label_b] = labels(*a, *b);
  compare::Comparison comparison = compare::compare_runs(run_view(*a, label_a), run_view(*b, label_b));
  if (!comparison.problems.empty()) {
    for (const auto& problem : comparison.problems) std::cerr << kReportCommand << ": " << problem << "\n";
    std::cerr << kReportCommand << ": the runs cannot be compared event by event\n";
    return kUsage;
  }
  std::cout << label_a << ": " << request.run_dirs[0] << " (" << a->verdict() << ")\n"
            << label_b << ": " << request.run_dirs[1] << " (" << b->verdict() << ")\n";
  write_comparison_text(comparison, std::cout, "comparison");
  return kOk;
}

}  // namespace

void add_report_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("report", "Rebuild a run's reports from its run directory, or compare two runs")
          ->footer(
              "wsfo report RUN_DIR: reads history.jsonl, scenario.json (the scenario as given to the run) and "
              "run.json from the run directory of `wsfo run` or `wsfo simulate`, judges the expectations again "
              "with the checks the run used, prints the text report and writes report.json, junit.xml and "
              "report.html (to RUN_DIR, or --out DIR).\n"
              "wsfo report --compare RUN_A RUN_B: per timeline event, side by side, the disconnected routerIds "
              "(and those disconnected in one run only), VIP takeover times, p99 reconnect time and clients left "
              "on dead connections, then every routerId whose fate differs sorted into a named mechanism, as "
              "`wsfo crosscheck` prints them (live vs simulated, yesterday vs today).\n"
              "Exit: 0 every expectation held (--compare: the comparison was printed), 1 an expectation failed, "
              "2 a history line, the scenario copy or run.json is invalid (the message names the line or field), "
              "the run could not be judged, or (--compare) the two timelines differ, 3 a run directory or one "
              "of its files is missing or cannot be read, or a report cannot be written.");
  static ReportRequest request;
  cmd->add_option("RUN_DIR", request.run_dirs, "Run directory (two with --compare)")->required();
  cmd->add_option("--out", request.out_dir, "Where the rebuilt reports go (default: RUN_DIR)");
  cmd->add_flag("--compare", request.compare, "Compare two runs: RUN_A RUN_B");
  cmd->callback([&exit_code] {
    const std::size_t wanted = request.compare ? 2 : 1;
    if (request.run_dirs.size() != wanted) {
      std::cerr << kReportCommand << ": " << (request.compare ? "--compare takes two run directories, RUN_A RUN_B"
                                                        : "takes one run directory (two with --compare)")
                << "; got " << request.run_dirs.size() << "\n";
      exit_code = kUsage;
    } else if (request.compare && !request.out_dir.empty()) {
      exit_code = (std::cerr << kReportCommand << ": --out rebuilds one run's reports; it does not go with --compare\n",
                   kUsage);
    } else {
      exit_code = request.compare ? compare_runs(request) : rerender(request);
    }
  });
}

}  // namespace wsfo::cli
