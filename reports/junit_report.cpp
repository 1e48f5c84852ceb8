// junit.xml: one testcase per expectation, so CI shows each one.
#include <ostream>

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
  std::string suite = xml_escape(report.run.scenario);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"wsfo\" tests=\"" << verdicts.size() << "\" failures=\"" << failures
      << "\" errors=\"0\" skipped=\"" << skipped << "\">\n";
  out << "  <testsuite name=\"" << suite << "\" tests=\"" << verdicts.size() << "\" failures=\"" << failures
      << "\" errors=\"0\" skipped=\"" << skipped << "\" time=\""
      << static_cast<double>(report.run.end_ns - report.run.start_ns) / 1e9 << "\">\n";
  for (const auto& v : verdicts) {
    std::string event_name;
    for (const auto& w : report.run.windows)
      if (w.index == v.event) event_name = w.name;
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
