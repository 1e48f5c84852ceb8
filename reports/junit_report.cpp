// junit.xml: one testcase per expectation, so CI shows each one, one errored
// testcase per failed part, and one for a run interrupted by a signal: a run
// that could not be judged must not read as a pass to a CI system that only
// looks at this file.
#include <ostream>

#include "core/checks/split_brain.hpp"
#include "reports/format.hpp"
#include "reports/report.hpp"

namespace wsfo::reports {

void write_junit(const Report& report, std::ostream& out) {
  const auto& verdicts = report.analysis.verdicts;
  std::size_t failures = 0, skipped = 0;
  for (const auto& v : verdicts) {
    failures += v.status == checks::Status::fail;
    skipped += v.status == checks::Status::unknown;
  }
  const auto& part_failures = report.run.part_failures;
  const std::size_t stopped = report.interrupted() ? 1 : 0;
  const std::size_t tests = verdicts.size() + part_failures.size() + stopped, errors = part_failures.size() + stopped;
  std::string suite = xml_escape(report.run.scenario);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"wsfo\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\"" << errors
      << "\" skipped=\"" << skipped << "\">\n";
  out << "  <testsuite name=\"" << suite << "\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\""
      << errors << "\" skipped=\"" << skipped << "\" time=\""
      << static_cast<double>(report.run.end_ns - report.run.start_ns) / 1e9 << "\">\n";
  // Each split brain of the run (two or more nodes MASTER for one VIP at once), whatever was expected of it.
  if (!report.analysis.split_brains.empty()) {
    out << "    <properties>\n";
    for (const auto& split : report.analysis.split_brains)
      out << "      <property name=\"split-brain\" value=\""
          << xml_escape(checks::describe(split, report.run.start_ns) + ", times from the run's start") << "\"/>\n";
    out << "    </properties>\n";
  }
  if (stopped) {
    const std::string why = "interrupted: " + interruption_summary(report);
    out << "    <testcase classname=\"" << suite << ".run\" name=\"interrupted\">\n      <error type=\"interrupted\" "
        << "message=\"" << xml_escape(why) << "\">" << xml_escape(why)
        << "\nThe run was stopped before its end: expectations whose window was not played to its end are skipped "
           "(unknown).</error>\n    </testcase>\n";
  }
  for (std::size_t i = 0; i < part_failures.size(); ++i)
    out << "    <testcase classname=\"" << suite << ".parts\" name=\"part-" << i
        << "\">\n      <error type=\"part-failed\" "
        << "message=\"" << xml_escape(part_failures[i]) << "\">" << xml_escape(part_failures[i])
        << "</error>\n    </testcase>\n";
  for (const auto& v : verdicts) {
    std::string event_name;
    for (const auto& w : report.run.windows)
      if (w.index == v.event) event_name = w.name;
    if (report.run.interrupted)
      for (const auto& never : report.run.interrupted->unplayed)
        if (never.index == v.event) event_name = never.name;
    out << "    <testcase classname=\"" << suite << ".event" << v.event << "-" << xml_escape(event_name) << "\" name=\""
        << xml_escape(v.check) << "\">";
    // The message is one line for CI summaries; the body repeats it with the evidence on its own line.
    std::string message = "expected " + v.expected + "; got " + v.actual;
    std::string body =
        "expected: " + v.expected + "\nactual:   " + v.actual + (v.evidence.empty() ? "" : "\nevidence: " + v.evidence);
    if (v.status == checks::Status::fail)
      out << "\n      <failure type=\"" << xml_escape(v.check) << "\" message=\"" << xml_escape(message) << "\">"
          << xml_escape(body) << "</failure>\n    ";
    else if (v.status == checks::Status::unknown)
      out << "\n      <skipped message=\""
          << xml_escape("unknown: " + message + (v.evidence.empty() ? "" : "; " + v.evidence)) << "\"/>\n    ";
    out << "</testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace wsfo::reports
