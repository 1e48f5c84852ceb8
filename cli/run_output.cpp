#include "cli/run_output.hpp"

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "cli/commands.hpp"
#include "core/scenario/scenario.hpp"
#include "reports/run_dir.hpp"

namespace wsfo::cli {

std::string default_report_dir(const std::string& scenario) {
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "reports/out/" + scenario + "-" + stamp;
}

int finish_run(const reports::Report& report, const std::string& run_dir, const std::string& command,
               const std::string& scenario_file, const std::function<std::string(const std::string&)>& extra,
               reports::HistoryFile history) {
  reports::write_text(report, std::cout);
  std::string error = reports::write_report_dir(report, run_dir, history);
  if (error.empty()) error = reports::keep_run_inputs(report, run_dir, scenario_file);
  if (error.empty() && extra) error = extra(run_dir);
  if (!error.empty()) {
    std::cerr << command << ": " << error << "\n";
    return kIoError;
  }
  std::cout << "report: " << run_dir << "/report.html\n";
  if (report.interrupted()) {
    std::cerr << command << ": interrupted: " << reports::interruption_summary(report)
              << "; history.jsonl and the reports of what was played are in " << run_dir << "\n";
    return kNotJudged;  // `wsfo run` then ends by the signal itself
  }
  if (!report.judgeable()) {
    for (const auto& failure : report.run.part_failures) std::cerr << command << ": part failed: " << failure << "\n";
    std::cerr << command << ": the run could not be judged\n";
    return kNotJudged;
  }
  return report.passed() ? kOk : kCheckFailed;
}

std::string known_stack_kinds() {
  std::string list;
  for (const std::string& name : scenario::stack_kind_names()) list += (list.empty() ? "" : ", ") + name;
  return list;
}

int stack_unavailable_exit(const std::string& command, const std::string& stack, const std::string& why,
                           bool skip_unavailable) {
  std::cerr << command << ": cannot play on the " << stack << " stack here: " << why << "\n";
  if (!skip_unavailable) return kUsage;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string(ci) == "true") {
    std::cerr << command << ": not skipped: CI=true requires every stack to run\n";
    return kUsage;
  }
  return kStackUnavailable;
}

}  // namespace wsfo::cli
