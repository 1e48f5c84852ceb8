#pragma once
// The end of `wsfo run` and `wsfo simulate`: a judged report printed as text
// and written to the run directory, and the exit status it implies. Shared so
// both engines report, and exit, the same way.
#include <functional>
#include <string>

#include "reports/report.hpp"

namespace wsfo::cli {

// "reports/out/<scenario>-<YYYYmmdd-HHMMSS>"
std::string default_report_dir(const std::string& scenario);

// Prints the text report, writes report.json, junit.xml, report.html and
// (unless `history` says the caller does) history.jsonl into `run_dir`, keeps
// a copy of `scenario_file` and run.json there (so `wsfo report` can rebuild
// the reports: reports/run_dir.hpp), then runs `extra` (more files; returns an
// error or empty). Returns kOk when every
// expectation held, kCheckFailed when one failed, kNotJudged when a part failed
// and the run could not be judged or the run was interrupted (the caller then
// ends by the signal), kIoError when a file could not be written.
int finish_run(const reports::Report& report, const std::string& run_dir, const std::string& command,
               const std::string& scenario_file, const std::function<std::string(const std::string&)>& extra = {},
               reports::HistoryFile history = reports::HistoryFile::from_report);

// A stack that cannot run here (a binary, root, namespaces): says why, and
// returns kUsage, or kStackUnavailable when the user asked to skip
// (--skip-unavailable) and the environment variable CI is not "true".
inline constexpr int kStackUnavailable = 77;
// "wsfo, nginx-keepalived": for an unknown --stack.
std::string known_stack_kinds();
int stack_unavailable_exit(const std::string& command, const std::string& stack, const std::string& why,
                           bool skip_unavailable);

}  // namespace wsfo::cli
