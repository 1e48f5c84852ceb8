#include "reports/report.hpp"

#include <filesystem>
#include <fstream>

namespace wsfo::reports {

Report build_report(RunRecord run) {
  Report report{std::move(run), {}, {}, {}, {}, {}};
  const RunRecord& r = report.run;
  report.analysis = checks::analyse(r.history, r.windows, r.population, r.rules_before.modulus());
  report.series = checks::connections_per_unit(r.history, r.start_ns, r.end_ns, 240);
  report.vip = checks::vip_transitions(r.history);
  report.takeovers = checks::takeovers(report.vip, r.windows);
  report.vip_faults = vip_faults(r.history, report.vip, report.takeovers, r.windows);
  report.silent = checks::find_silent_connections(r.history, r.windows);
  return report;
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
