// A real browser as a client of a live run: headless Chromium opens a page
// whose own script connects with `new WebSocket('ws://websocket.msha.tech:8020/ws?routerId=4321')`
// (no headers, and no way to follow a 302) and reconnects 1500 ms after
// every close, as the seed's client does. The domain reaches unit unbj, whose
// rules give slot 4321 to center: the gateway serves the browser (it sends an
// Origin header) by the proxy correction (`gateway.browser_correction`).
// The cutover moves 4321 to unbj: center closes it with 4001, the page
// reconnects and unbj serves it itself.
//
// The page reports each of its events to a loopback endpoint this test
// serves, which writes them, with core's history records, into the run's
// events/external/ directory: `wsfo run` merges them into history.jsonl and
// judges them with the scenario's expectations. The verdict is read from the
// run (its exit code and history.jsonl), not from the page. A `browser` group
// of wsfo's own fleet takes the same path beside it.
//
// Only loopback: the page and the endpoint on 127.0.57.99, the run on
// 127.0.57.x; Chromium resolves the domain by --host-resolver-rules and
// nothing else (every other name is NOTFOUND; the rule would catch the page's
// address literal too, hence its EXCLUDE). Plain pass only (a browser under the sanitizers adds nothing).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/history/records.hpp"
#include "process/child_process.hpp"
#include "process/live_clock.hpp"
#include "tests/support/chromium.hpp"
#include "tests/support/test_files.hpp"

namespace browser_websocket_chromium_test {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;
namespace history = wsfo::history;
using wsfo::test_support::slurp;
using Clock = std::chrono::steady_clock;

constexpr const char* kPageHost = "127.0.57.99";
constexpr std::uint64_t kPageRouterId = 4321;  // slot 4321: center in v1, unbj in v2

// Two units, one node and one backend each. The domain reaches unbj; 0-4999
// belong to center until the cutover at 6 s moves 4000-4999 to unbj.
const char* kScenario = R"({
  "name": "browser-websocket", "duration": "11s",
  "units": [
    {"name": "center", "label": "hangzhou", "subdomain": "center.websocket.msha.tech",
     "public_url": "ws://center.websocket.msha.tech:8020",
     "nodes": [{"name": "center-gw1", "address": "127.0.57.1", "port": 8020, "admin_port": 9020}],
     "backends": [{"name": "center-app1", "address": "127.0.57.21", "port": 8010, "announce": "self"}],
     "routes": [{"prefix": "/", "backends": ["center-app1"]}]},
    {"name": "unbj", "label": "beijing", "subdomain": "unbj.websocket.msha.tech",
     "public_url": "ws://unbj.websocket.msha.tech:8020",
     "nodes": [{"name": "unbj-gw1", "address": "127.0.57.2", "port": 8020, "admin_port": 9020}],
     "backends": [{"name": "unbj-app1", "address": "127.0.57.22", "port": 8010, "announce": "self"}],
     "routes": [{"prefix": "/", "backends": ["unbj-app1"]}]}],
  "domain": {"name": "websocket.msha.tech", "cname": "unbj"},
  "gateway": {"correction": "redirect", "browser_correction": "proxy"},
  "rules": {"version": 1, "modulus": 10000,
            "ranges": [{"from": 0, "to": 4999, "unit": "center"}, {"from": 5000, "to": 9999, "unit": "unbj"}]},
  "clients": [
    {"name": "apps", "router_ids": [1111, 8330], "url": "ws://websocket.msha.tech:8020/ws", "mode": "header",
     "reconnect": {"fixed": {"delay": "1500ms"}}},
    {"name": "browsers", "router_ids": [4100, 4200], "url": "ws://websocket.msha.tech:8020/ws", "mode": "query",
     "browser": true, "reconnect": {"fixed": {"delay": "1500ms"}}}],
  "timeline": [
    {"at": "6s", "action": "cutover", "fence": true, "catch_up": "300ms",
     "rules": {"version": 2, "modulus": 10000,
               "ranges": [{"from": 0, "to": 3999, "unit": "center"}, {"from": 4000, "to": 9999, "unit": "unbj"}]},
     "expect": {"disconnected": {"router_ids": [4100, 4200, 4321]}, "reconnect_within": "4s", "land_in": "unbj",
                "no_dual_service": true}},
    {"at": "9500ms", "action": "wait", "expect": {"disconnected": "none"}}]
})";

// The page: its own connect-and-reconnect loop, every event reported in order.
const char* kPage = R"(<!doctype html><html><body><script>
const target = 'ws://websocket.msha.tech:8020/ws?routerId=ROUTER_ID';
let reports = Promise.resolve();
function report(fields) {  // one after the other, so they arrive in order
  const query = new URLSearchParams(fields).toString();
  reports = reports.then(() => fetch('/event?' + query).catch(() => {}));
}
let attempt = 0;
function connect() {
  attempt += 1;
  const started = performance.now();
  let opened = 0, label = null;
  report({kind: 'attempt', attempt: attempt, url: target});
  const ws = new WebSocket(target);
  ws.onopen = () => { opened = performance.now(); ws.send(String(Date.now())); };
  ws.onmessage = (m) => {
    const welcome = 'Welcome to the server!';
    if (label === null && typeof m.data === 'string' && m.data.startsWith(welcome)) {
      label = m.data.slice(welcome.length);
      report({kind: 'connected', url: target, backend: label, handshake_ms: opened - started});
    }
  };
  ws.onclose = (e) => {
    if (opened) report({kind: 'disconnected', code: e.code, reason: e.reason, backend: label || '',
                        connected_ms: performance.now() - opened});
    else report({kind: 'rejected', url: target, code: e.code});
    setTimeout(connect, 1500);
  };
}
connect();
</script></body></html>)";

std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> query_of(std::string_view target) {
  std::map<std::string, std::string> fields;
  auto q = target.find('?');
  if (q == std::string_view::npos) return fields;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos) fields[url_decode(pair.substr(0, eq))] = url_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return fields;
}

// Serves the page and turns the page's reports into history lines, stamped
// on CLOCK_MONOTONIC as the run's own parts stamp theirs.
class PageServer {
 public:
  PageServer(std::string page, fs::path events_file) : page_(std::move(page)), events_file_(std::move(events_file)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, kPageHost, &address.sin_addr);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 16) != 0)
      throw std::runtime_error("cannot listen on " + std::string(kPageHost));
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~PageServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }
  std::string url() const { return "http://" + std::string(kPageHost) + ":" + std::to_string(port_) + "/page.html"; }
  int reports() const { return reports_; }
  // Reports that did not make a history line.
  std::vector<std::string> problems() const {
    std::lock_guard lock(mutex_);
    return problems_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval timeout{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      std::string answer = respond(request);
      ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(fd);
    }
  }

  std::string respond(const std::string& request) {
    auto first_space = request.find(' ');
    auto second_space = request.find(' ', first_space + 1);
    std::string target = first_space == std::string::npos || second_space == std::string::npos
                             ? std::string()
                             : request.substr(first_space + 1, second_space - first_space - 1);
    auto reply = [](const std::string& status, const std::string& type, const std::string& body) {
      return "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n" + body;
    };
    if (target == "/page.html") return reply("200 OK", "text/html", page_);
    if (target.rfind("/event?", 0) == 0) {
      try {
        record(query_of(target));
      } catch (const std::exception& e) {  // a number that does not parse
        std::lock_guard lock(mutex_);
        problems_.push_back(target + ": " + e.what());
      }
      return reply("204 No Content", "text/plain", "");
    }
    return reply("404 Not Found", "text/plain", "");
  }

  // One report as one history line of the client kinds (docs/history.md).
  void record(const std::map<std::string, std::string>& q) {
    ++reports_;
    const std::int64_t now = wsfo::process::LiveClock::now_ns();
    const history::Stamp stamp{now, "chromium", kPageRouterId};
    auto field = [&](const char* name) { return q.count(name) ? q.at(name) : std::string(); };
    auto ns = [&](const char* name) {
      return static_cast<std::int64_t>(std::stod(q.count(name) ? q.at(name) : "0") * 1e6);
    };
    // The unit as the backend's welcome names it (the scenario's labels).
    const std::map<std::string, std::string> unit_of_label = {{"hangzhou", "center"}, {"beijing", "unbj"}};
    const std::string kind = field("kind"), backend = field("backend"), url = field("url"), reason = field("reason");
    const std::string unit = unit_of_label.count(backend) ? unit_of_label.at(backend) : "";
    std::string line;
    if (kind == "attempt") {
      history::append_line(line, stamp, history::AttemptRecord{url, "", std::stoull(field("attempt"))});
    } else if (kind == "connected") {
      history::append_line(line, stamp, history::ConnectedRecord{url, unit, "", backend, "", ns("handshake_ms"), 0});
    } else if (kind == "disconnected") {
      const std::uint64_t code = std::stoull(field("code"));
      const bool lost = code == 1006;  // the connection ended without a close frame
      history::DisconnectedRecord record{lost ? "connection_lost" : "server_close",
                                         reason,
                                         lost ? "network" : "server",
                                         unit,
                                         backend,
                                         {},
                                         ns("connected_ms"),
                                         {}};
      if (!lost) record.code = code;
      history::append_line(line, stamp, record);
    } else if (kind == "rejected") {
      // A browser tells its page nothing about a failed handshake but the close code.
      const std::string why = "the WebSocket closed before it opened (code " + field("code") + ")";
      history::append_line(line, stamp, history::RejectedRecord{url, "bad_handshake", why, 0, {}, 0});
    } else {
      std::lock_guard lock(mutex_);
      problems_.push_back("unknown report kind '" + kind + "'");
      return;
    }
    std::ofstream(events_file_, std::ios::app) << line;
  }

  std::string page_;
  fs::path events_file_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> reports_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> problems_;
  std::thread thread_;
};

bool accepts(const char* host, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, host, &address.sin_addr);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::vector<json> events_of(const std::string& history_text, std::uint64_t router_id) {
  std::vector<json> events;
  std::istringstream lines(history_text);
  for (std::string line; std::getline(lines, line);) {
    json event = json::parse(line, nullptr, false);
    if (!event.is_discarded() && event.value("routerId", std::uint64_t{0}) == router_id) events.push_back(event);
  }
  return events;
}

std::int64_t cutover_ns(const std::string& history_text) {
  std::istringstream lines(history_text);
  for (std::string line; std::getline(lines, line);) {
    json event = json::parse(line, nullptr, false);
    if (!event.is_discarded() && event.value("kind", "") == "action" && event.value("action", "") == "cutover")
      return event.at("t_ns").get<std::int64_t>();
  }
  return -1;
}

// The story of one client, e.g. "connected center", "disconnected 4001",
// "connected unbj" ("redirect" for a redirect followed; failed attempts, such
// as a fenced 503 while the cutover commits, are left out).
std::vector<std::string> story(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const json& e : events) {
    const std::string kind = e.value("kind", "");
    if (kind == "connected")
      out.push_back("connected " + e.value("unit", ""));
    else if (kind == "redirect")
      out.push_back("redirect");
    else if (kind == "disconnected")
      out.push_back("disconnected " + std::to_string(e.value("code", 0)));
  }
  return out;
}

TEST(BrowserWebSocket, ChromiumIsProxiedToItsUnitAndComesBackAfterTheCutover) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "plain pass only: a browser under the sanitizer build adds nothing to what it checks";
#endif
  if (!fs::exists(wsfo::test_support::chromium_path()))
    GTEST_SKIP() << wsfo::test_support::chromium_path() << " not found: this test needs Debian's chromium";
  const auto started = Clock::now();
  const fs::path work = fs::path(::testing::TempDir()) / ("browser-websocket-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  const fs::path scenario = work / "scenario.json", run_dir = work / "run";
  std::ofstream(scenario) << kScenario;

  wsfo::process::ChildProcess run({WSFO_BINARY, "run", scenario.string(), "--report-dir", run_dir.string()},
                                  wsfo::process::ChildOptions{(work / "run.log").string(), true, false});
  // The run prepares its directory, then starts backends and gateways: the domain's gateway answering means
  // events/external/ is there and the timeline is about to start.
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline && !accepts("127.0.57.2", 8020)) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(accepts("127.0.57.2", 8020)) << "the run's gateway never listened:\n" << slurp(work / "run.log");

  std::string page = kPage;
  page.replace(page.find("ROUTER_ID"), 9, std::to_string(kPageRouterId));
  PageServer server(page, run_dir / "events" / "external" / "chromium.jsonl");
  wsfo::test_support::Chromium chromium(
      work,
      {"--host-resolver-rules=MAP websocket.msha.tech 127.0.57.2, MAP * ~NOTFOUND, EXCLUDE " + std::string(kPageHost),
       "--no-proxy-server"},
      server.url(), work / "chromium.out");
  ASSERT_TRUE(chromium.started());
  auto status = run.wait_for_exit(30s);
  chromium.stop();
  EXPECT_TRUE(chromium.leftovers().empty()) << chromium.leftovers().size() << " chromium processes outlived the kill";
  ASSERT_TRUE(status) << "wsfo run did not end";

  const std::string history_text = slurp(run_dir / "history.jsonl");
  const auto page_events = events_of(history_text, kPageRouterId);
  // The verdict of the run, which judged the page's events with the others'.
  EXPECT_TRUE(status->exited && status->code == 0)
      << "wsfo run: " << status->describe() << "\n"
      << slurp(work / "run.log") << "\nchromium reported " << server.reports() << " events\n"
      << chromium.errors();
  EXPECT_TRUE(server.problems().empty()) << ::testing::PrintToString(server.problems());

  // Its story as the run recorded it: served by center through unbj's proxy correction (the only address the
  // domain has), closed by the cutover with 4001, back in unbj.
  auto told = story(page_events);
  ASSERT_GE(told.size(), 3u) << history_text.size() << " bytes of history; chromium:\n" << chromium.errors();
  EXPECT_EQ(std::vector<std::string>(told.begin(), told.begin() + 3),
            (std::vector<std::string>{"connected center", "disconnected 4001", "connected unbj"}));
  const std::int64_t cutover = cutover_ns(history_text);
  for (const json& e : page_events) {
    if (e.value("kind", "") == "disconnected") {
      EXPECT_GE(e.at("t_ns").get<std::int64_t>(), cutover);
    }
  }

  // wsfo's own browser group took the same path: proxied (node center-gw1 behind the domain), never redirected.
  for (std::uint64_t id : {4100u, 4200u}) {
    auto events = events_of(history_text, id);
    auto group_story = story(events);
    ASSERT_GE(group_story.size(), 3u) << id;
    EXPECT_EQ(std::vector<std::string>(group_story.begin(), group_story.begin() + 3),
              (std::vector<std::string>{"connected center", "disconnected 4001", "connected unbj"}))
        << id;
    for (const json& e : events) {
      EXPECT_NE(e.value("kind", ""), "redirect") << id;
      if (e.value("kind", "") == "connected") {
        EXPECT_EQ(e.value("url", ""), "ws://websocket.msha.tech:8020/ws") << id;
      }
    }
  }
  // The header group is still corrected by redirect.
  EXPECT_EQ(story(events_of(history_text, 1111)).front(), "redirect");
  std::cout << "browser test took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count() << " ms\n";
  std::error_code ignored;
  fs::remove_all(work, ignored);
}

}  // namespace browser_websocket_chromium_test
