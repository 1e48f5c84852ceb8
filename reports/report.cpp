#include "reports/report.hpp"

#include <filesystem>
#include <fstream>

#include "core/checks/unfinished_verdicts.hpp"
#include "reports/format.hpp"

namespace wsfo::reports {

Report build_report(RunRecord run) {
  Report report{std::move(run), {}, {}, {}, {}, {}};
  const RunRecord& r = report.run;
  report.analysis = checks::analyse(r.history, r.windows, r.population, r.rules_before.modulus(), r.advert_ns);
  report.series = checks::connections_per_unit(r.history, r.start_ns, r.end_ns, 240);
  report.vip = checks::vip_transitions(r.history);
  report.takeovers = checks::takeovers(report.vip, r.windows);
  report.vip_faults = vip_faults(r.history, report.vip, report.takeovers, r.windows);
  report.silent = checks::find_silent_connections(r.history, r.windows);
  if (const auto& stop = r.interrupted) {
    checks::Unfinished unfinished;
    unfinished.last_window_cut = stop->timeline_cut;
    unfinished.planned_end_ns = stop->unplayed.empty() ? stop->planned_end_ns : stop->unplayed.front().start_ns;
    unfinished.unplayed = stop->unplayed;
    unfinished.when = (stop->cause.empty() ? std::string("a stop request") : stop->cause) + " at +" +
                      seconds(stop->at_ns - r.start_ns);
    checks::judge_unfinished(report.analysis, r.windows, unfinished, r.population, r.rules_before.modulus());
  }
  return report;
}

std::string interruption_summary(const Report& report) {
  const auto& stop = report.run.interrupted;
  if (!stop) return {};
  const std::size_t played = report.run.windows.size(), planned = played + stop->unplayed.size();
  std::string text = (stop->cause.empty() ? std::string("stopped") : stop->cause) + " at +" +
                     seconds(stop->at_ns - report.run.start_ns) + " of " +
                     seconds(stop->planned_end_ns - report.run.start_ns, 1) + ", " + std::to_string(played) + " of " +
                     std::to_string(planned) + " timeline events played";
  if (!stop->timeline_cut) text += " (after the timeline had ended: the verdicts below stand)";
  return text;
}

std::string write_report_dir(const Report& report, const std::string& dir, HistoryFile history) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return "cannot create report directory '" + dir + "': " + error.message();
  auto write = [&](const char* name, auto&& writer) -> std::string {
    std::string path = dir + "/" + name;
    std::ofstream out(path);
    if (!out) return "cannot write '" + path + "'";
    writer(out);
    return out ? std::string() : "failed writing '" + path + "'";
  };
  for (auto& problem : {
           write("report.json", [&](std::ostream& o) { write_json(report, o); }),
           write("junit.xml", [&](std::ostream& o) { write_junit(report, o); }),
           write("report.html", [&](std::ostream& o) { write_html(report, o); }),
       })
    if (!problem.empty()) return problem;
  if (history == HistoryFile::by_caller) return {};
  return write("history.jsonl", [&](std::ostream& o) {
    for (const auto& event : report.run.history) o << history::to_json_line(event) << '\n';
  });
}

}  // namespace wsfo::reports
