// report.html rendered by a real browser: headless Chromium (Debian's
// `chromium`) loads a copy of the page with a probe script appended, which
// measures what was laid out (each chart's size, the drawn shapes per class,
// the disconnected table's rows, any resource fetched) and writes it into the
// DOM that --dump-dom prints. The report itself stays script-free.
//
// Chromium (tests/support/chromium) runs in its own process group with a
// private --user-data-dir, is killed as a group (SIGKILL) after it prints or
// after a timeout, and the test fails if any process using that profile is left.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/report.hpp"
#include "tests/support/chromium.hpp"
#include "tests/support/sample_run.hpp"

namespace wsfo {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr auto kChromiumTimeout = std::chrono::seconds(60);

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "wsfo-chromium-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct BrowserRun {
  bool finished = false;  // exited by itself within the timeout
  int status = 0;
  std::string dom;
  std::string errors;
  std::vector<pid_t> leftovers;  // processes of this run still alive after the group kill
};

// Runs `chromium --headless --dump-dom file://page` with a private profile in `work`.
BrowserRun dump_dom(const fs::path& page, const fs::path& work) {
  const fs::path dom = work / "dom.html";
  test_support::Chromium chromium(work, {"--dump-dom"}, "file://" + page.string(), dom);
  BrowserRun run;
  if (!chromium.started()) {
    run.errors = "fork failed";
    return run;
  }
  run.finished = chromium.wait_exit(kChromiumTimeout);
  chromium.stop();  // the browser and every helper it forked, whether it finished or not
  run.status = chromium.status();
  run.leftovers = chromium.leftovers();
  run.dom = read_file(dom);
  run.errors = chromium.errors();
  return run;
}

// Appended to the copy of report.html that the browser loads.
constexpr const char* kProbe = R"(<script>
addEventListener('load', () => {
  const out = {charts: {}, resources: performance.getEntriesByType('resource').map(e => e.name)};
  for (const id of ['chart-connections', 'chart-slots', 'chart-latency']) {
    const svg = document.getElementById(id);
    if (!svg) continue;
    const box = svg.getBoundingClientRect();
    const drawn = {};
    for (const el of svg.querySelectorAll('rect, polyline, line, path')) {
      // The laid-out box (zero for what is not rendered, e.g. display:none). A rect
      // is drawn when it has an area; a line or polyline when it has a length.
      const b = el.getBoundingClientRect();
      const shown = getComputedStyle(el).visibility !== 'hidden';
      const visible = shown && (el.tagName === 'rect' ? b.width > 0 && b.height > 0 : b.width > 0 || b.height > 0);
      const name = el.getAttribute('class') || el.tagName;
      if (visible) drawn[name] = (drawn[name] || 0) + 1;
    }
    out.charts[id] = {width: box.width, height: box.height, drawn: drawn,
                      texts: svg.querySelectorAll('text').length};
  }
  const rows = [...document.querySelectorAll('#disconnected tr.disconnected-row')];
  out.disconnected_rows = rows.filter(r => r.getBoundingClientRect().height > 0).map(r => r.cells[1].textContent);
  out.verdict = (document.getElementById('verdict') || {}).textContent || '';
  document.body.setAttribute('data-probe', JSON.stringify(out));
});
</script>
)";

std::string html_unescape(std::string text) {
  const std::pair<const char*, const char*> entities[] = {
      {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [entity, plain] : entities)
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1))
      text.replace(at, std::strlen(entity), plain);
  return text;
}

// The probe's measurements out of the dumped DOM; null when it did not run.
Json probe_of(const std::string& dom) {
  const std::string marker = "data-probe=\"";
  auto start = dom.find(marker);
  if (start == std::string::npos) return nullptr;
  start += marker.size();
  auto end = dom.find('"', start);
  if (end == std::string::npos) return nullptr;
  return Json::parse(html_unescape(dom.substr(start, end - start)), nullptr, false);
}

// How many shapes of a class the browser drew in a chart (0 when absent).
int drawn(const Json& probe, const char* chart, const char* shape) {
  const Json& charts = probe.at("charts");
  return charts.contains(chart) ? charts.at(chart).at("drawn").value(shape, 0) : 0;
}

// What is wrong with a rendered report, for the sample run (two units, two
// events each disconnecting clients, one moved range); empty when nothing.
std::vector<std::string> render_problems(const Json& probe) {
  if (probe.is_null() || probe.is_discarded()) return {"the probe did not run (page not loaded?)"};
  std::vector<std::string> problems;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) problems.push_back(what);
  };
  const Json& charts = probe.at("charts");
  for (const char* chart : {"chart-connections", "chart-slots", "chart-latency"}) {
    if (!charts.contains(chart)) {
      problems.push_back(std::string(chart) + " missing");
      continue;
    }
    const Json& c = charts.at(chart);
    expect(c.at("width").get<double>() >= 800 && c.at("height").get<double>() >= 100,
           std::string(chart) + " not laid out at full size: " + c.dump());
    expect(c.at("texts").get<int>() > 0, std::string(chart) + " has no labels");
  }
  if (charts.contains("chart-connections")) {
    expect(drawn(probe, "chart-connections", "series") == 2, "connections: a drawn line per unit (2)");
    expect(drawn(probe, "chart-connections", "event-marker") == 2, "connections: a marker per timeline event (2)");
  }
  if (charts.contains("chart-slots")) {
    expect(drawn(probe, "chart-slots", "slot-range") == 4, "slot map: 2 ranges before + 2 after");
    expect(drawn(probe, "chart-slots", "moved") == 1, "slot map: the moved range outlined");
    expect(drawn(probe, "chart-slots", "disconnected-slots") >= 2, "slot map: disconnected slots marked");
    expect(drawn(probe, "chart-slots", "expected-slots") == 1, "slot map: the expected slots shown");
  }
  if (charts.contains("chart-latency"))
    expect(drawn(probe, "chart-latency", "bar") >= 2, "latency histogram: bars with reconnects");
  expect(probe.at("disconnected_rows") == Json::parse(R"json(["moved (4001)", "node lost"])json"),
         "disconnected table rows by cause: " + probe.at("disconnected_rows").dump());
  expect(probe.at("resources").empty(), "the page fetched something: " + probe.at("resources").dump());
  return problems;
}

class ReportInChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(test_support::chromium_path()))
      FAIL() << test_support::chromium_path() << " not found: install Debian's chromium (scripts/lib.sh PACKAGES)";
    reports::Report report = reports::build_report(test::sample_run());
    std::ostringstream html;
    reports::write_html(report, html);
    html_ = html.str();
  }

  // Loads `html` with the probe appended; returns the probe's findings.
  Json render(std::string html) {
    auto body_end = html.rfind("</body>");
    EXPECT_NE(body_end, std::string::npos);
    html.insert(body_end, kProbe);
    const fs::path page = dir_.path() / "report.html";
    std::ofstream(page) << html;
    BrowserRun run = dump_dom(page, dir_.path());
    EXPECT_TRUE(run.finished) << "chromium did not finish within " << kChromiumTimeout.count() << " s\n" << run.errors;
    EXPECT_TRUE(run.finished && WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0)
        << "chromium status " << run.status << "\n"
        << run.errors;
    EXPECT_TRUE(run.leftovers.empty()) << run.leftovers.size() << " chromium processes outlived the group kill";
    return probe_of(run.dom);
  }

  TempDir dir_;
  std::string html_;
};

TEST_F(ReportInChromium, RendersEveryChartAndTheDisconnectedTable) {
  Json probe = render(html_);
  auto problems = render_problems(probe);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems) << "\nprobe: " << probe.dump(1);
  EXPECT_EQ(probe.value("verdict", ""), "PASS");
}

// The same checks must catch a broken page: one chart dropped, the slot map
// left without shapes, and the disconnected table without rows.
TEST_F(ReportInChromium, ABrokenReportIsCaught) {
  std::string broken = html_;
  auto cut = [&](const std::string& from, const std::string& to) {
    auto start = broken.find(from);
    ASSERT_NE(start, std::string::npos) << from;
    auto end = broken.find(to, start);
    ASSERT_NE(end, std::string::npos) << to;
    broken.erase(start, end + to.size() - start);
  };
  cut("<svg id=\"chart-latency\"", "</svg>\n");
  cut("<tr class=\"disconnected-row\">", "</table>");
  Json probe = render(broken);
  auto problems = render_problems(probe);
  EXPECT_EQ(problems, (std::vector<std::string>{"chart-latency missing", "disconnected table rows by cause: []"}))
      << probe.dump(1);

  broken = html_;
  for (auto at = broken.find("class=\"disconnected-slots\""); at != std::string::npos;
       at = broken.find("class=\"disconnected-slots\"", at + 1))
    broken.replace(at, 26, "class=\"disconnected-slots\" display=\"none\"");
  probe = render(broken);
  problems = render_problems(probe);
  EXPECT_EQ(problems, std::vector<std::string>{"slot map: disconnected slots marked"}) << probe.dump(1);
}

}  // namespace
}  // namespace wsfo
