// `wsfo clients` against this project's gateway and backend, all real
// processes on loopback (issue 4, item 6): the seed's two units, `center`
// (hangzhou) and `unbj` (beijing), each a `wsfo gateway` in front of one
// `wsfo backend`; the domain resolves to the unbj gateway, as in the seed.
#include <time.h>

#include <csignal>
#include <map>
#include <set>
#include <sstream>

#include "tests/component/clients_test_support.hpp"
#include "tests/component/gateway_harness.hpp"

namespace wsfo::clients_test {
namespace {

using gateway_test::Json;
namespace http = beast::http;

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Json unit_patch(const std::string& node, const std::string& unit, Json more = Json::object()) {
  Json patch = {{"node", node}, {"unit", unit}, {"limits", {{"idle_timeout", "30s"}}}};
  patch.merge_patch(more);
  return patch;
}

// Two units, one gateway and one backend each; backends broadcast every 50 ms.
struct TwoUnits {
  explicit TwoUnits(Json unbj_patch = Json::object())
      : center(gateway_test::gateway_config({hangzhou.address()}, unit_patch("center-gw1", "center"))),
        unbj(gateway_test::gateway_config({beijing.address()}, unit_patch("unbj-gw1", "unbj", std::move(unbj_patch)))) {
  }

  // The flags every client process needs to find the units.
  std::vector<std::string> flags(std::vector<std::string> more = {}) const {
    std::vector<std::string> flags{"--url",     "ws://websocket.msha.tech:8080/",
                                   "--resolve", "websocket.msha.tech=127.0.0.1:" + std::to_string(unbj.port),
                                   "--resolve", "unbj.websocket.msha.tech=127.0.0.1:" + std::to_string(unbj.port),
                                   "--resolve", "center.websocket.msha.tech=127.0.0.1:" + std::to_string(center.port)};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
  }

  BackendProcess hangzhou{"hangzhou"};
  BackendProcess beijing{"beijing"};
  gateway_test::Gateway center;
  gateway_test::Gateway unbj;
};

void expect_connected(const Event& e, const std::string& unit, const std::string& backend, int redirects) {
  EXPECT_EQ(e.fields["unit"], unit) << e.fields.dump();
  EXPECT_EQ(e.fields["node"], unit + "-gw1") << e.fields.dump();
  EXPECT_EQ(e.fields["backend"], backend) << e.fields.dump();
  EXPECT_EQ(e.fields["redirects"], redirects) << e.fields.dump();
}

// Connected once, stayed until the shutdown, no gap, no failure.
void expect_undisturbed(const std::vector<Event>& events, std::uint64_t router_id, const std::string& unit,
                        const std::string& backend) {
  SCOPED_TRACE("routerId " + std::to_string(router_id));
  auto connected = of(events, "connected", router_id);
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_EQ(connected[0].fields["unit"], unit);
  EXPECT_EQ(connected[0].fields["backend"], backend);
  auto disconnected = of(events, "disconnected", router_id);
  ASSERT_EQ(disconnected.size(), 1u);
  EXPECT_EQ(disconnected[0].fields["cause"], "shutdown");
  EXPECT_EQ(disconnected[0].fields["code"], 1000);
  EXPECT_TRUE(of(events, "rejected", router_id).empty());
  EXPECT_TRUE(of(events, "gap", router_id).empty());
}

// Polls an events file a running `wsfo clients` writes (flushed every 200 ms)
// until `done` holds for what it holds; false after `timeout`.
bool wait_for_events(const std::filesystem::path& path, const std::function<bool(const std::vector<Event>&)>& done,
                     std::chrono::milliseconds timeout = 4s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    std::vector<Event> events;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      std::string error;
      if (auto e = history::parse_event_line(line, error)) events.push_back(*e);
    }
    if (done(events)) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::function<bool(const std::vector<Event>&)> all_connected(std::vector<std::uint64_t> ids) {
  return [ids](const std::vector<Event>& events) {
    return std::all_of(ids.begin(), ids.end(), [&](auto id) { return !of(events, "connected", id).empty(); });
  };
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ClientsWithGateway, RouterId1111AtTheUnbjGatewayIsRedirectedAndEndsConnectedOnCenter) {
  TwoUnits units;
  auto run = run_clients(units.flags({"--router-ids", "1111,8330", "--duration", "1500ms"}));
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto redirects = of(run.events, "redirect", 1111);
  ASSERT_EQ(redirects.size(), 1u);
  EXPECT_EQ(redirects[0].fields["from"], "ws://websocket.msha.tech:8080/");
  EXPECT_EQ(redirects[0].fields["to"], "ws://center.websocket.msha.tech:8080/");
  EXPECT_EQ(redirects[0].fields["status"], 302);
  auto connected = of(run.events, "connected", 1111);
  ASSERT_EQ(connected.size(), 1u);
  expect_connected(connected[0], "center", "hangzhou", 1);
  EXPECT_EQ(connected[0].fields["url"], "ws://center.websocket.msha.tech:8080/");
  EXPECT_GT(connected[0].t_ns, redirects[0].t_ns);
  expect_undisturbed(run.events, 1111, "center", "hangzhou");

  EXPECT_TRUE(of(run.events, "redirect", 8330).empty()) << "8330 belongs to unbj, where it arrived";
  auto local = of(run.events, "connected", 8330);
  ASSERT_EQ(local.size(), 1u);
  expect_connected(local[0], "unbj", "beijing", 0);
  expect_undisturbed(run.events, 8330, "unbj", "beijing");
  EXPECT_NE(run.stdout_text.find("attempts 2, redirects 1, connected 2"), std::string::npos) << run.stdout_text;
}

TEST(ClientsWithGateway, VerboseModePrintsLikeTheSeedClient) {
  TwoUnits units;
  auto run = run_clients(units.flags({"--router-ids", "1111", "--duration", "1s", "--verbose"}));
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto lines = lines_of(run.stdout_text);
  ASSERT_GE(lines.size(), 5u) << run.stdout_text;
  // The seed's log (000_e293a0f676f5cfcc.txt), with ws:// URLs.
  EXPECT_EQ(lines[0],
            "!!! redirecting... from  ws://websocket.msha.tech:8080/  to ws://center.websocket.msha.tech:8080/");
  EXPECT_EQ(lines[1], "connected:1111");
  EXPECT_EQ(lines[2], "msg: Welcome to the server!hangzhou ");
  EXPECT_EQ(lines[3], "msg: hangzhou new connection: / ");
  // The first message (Date.now()) comes back as its echo; broadcasts are `<seq>:hangzhou`.
  std::regex echo(R"(msg: \d{13}:hangzhou )"), broadcast(R"(msg: \d{1,6}:hangzhou )");
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [&](auto& l) { return std::regex_match(l, echo); }));
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [&](auto& l) { return std::regex_match(l, broadcast); }));
  EXPECT_EQ(lines.back(), "disconnected");
}

TEST(ClientsWithGateway, QueryModeIsRoutedLikeTheHeader) {
  TwoUnits units;
  auto run = run_clients(units.flags({"--router-ids", "1111,8330", "--query-mode", "--duration", "1s"}));
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto redirects = of(run.events, "redirect", 1111);
  ASSERT_EQ(redirects.size(), 1u);
  EXPECT_EQ(redirects[0].fields["from"], "ws://websocket.msha.tech:8080/");  // the query is added on the wire
  EXPECT_EQ(redirects[0].fields["to"], "ws://center.websocket.msha.tech:8080/?routerId=1111");
  expect_undisturbed(run.events, 1111, "center", "hangzhou");
  expect_undisturbed(run.events, 8330, "unbj", "beijing");
}

TEST(ClientsWithGateway, TwoHundredClientsOnTwoThreadsEachLandInTheUnitOfTheirSlot) {
  TwoUnits units;
  auto run = run_clients(units.flags({"--router-id-range", "15900-16099", "--threads", "2", "--duration", "4s",
                                      "--reconnect", "fixed:5s"}),
                         15s);
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  for (std::uint64_t id = 15900; id <= 16099; ++id) {
    bool center = id % 10000 <= 5997;
    auto connected = of(run.events, "connected", id);
    ASSERT_EQ(connected.size(), 1u) << id;
    expect_connected(connected[0], center ? "center" : "unbj", center ? "hangzhou" : "beijing", center ? 1 : 0);
  }
  EXPECT_NE(run.stdout_text.find("summary: 200 clients"), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("redirects 98, connected 200"), std::string::npos) << run.stdout_text;
  EXPECT_NE(run.stdout_text.find("disconnected 200 (shutdown 200)"), std::string::npos) << run.stdout_text;
}

Json rules_v2_moving_1000_to_1999() {
  return {{"version", 2},
          {"modulus", 10000},
          {"ranges",
           {{{"from", 0}, {"to", 999}, {"unit", "center"}},
            {{"from", 1000}, {"to", 1999}, {"unit", "unbj"}},
            {{"from", 2000}, {"to", 5997}, {"unit", "center"}},
            {{"from", 5998}, {"to", 9999}, {"unit", "unbj"}}}}};
}

// A fenced cutover (DESIGN.md §1): prepare closes 1111 with 4001, the fence
// answers its retries with 503 + Retry-After, commit lets it land in unbj.
TEST(ClientsWithGateway, CutoverClosesWith4001AndTheClientReconnectsIntoItsNewUnit) {
  TwoUnits units;
  auto events_path = temp_file("cutover");
  auto argv = units.flags({"--router-ids", "1111,2222,8330", "--reconnect", "fixed:100ms", "--duration", "5s",
                           "--events", events_path.string()});
  argv.insert(argv.begin(), {WSFO_BINARY, "clients"});
  ChildProcess process(argv);
  ASSERT_TRUE(wait_for_events(events_path, all_connected({1111, 2222, 8330})));

  Json prepare = {{"version", 2}, {"rules", rules_v2_moving_1000_to_1999()}};
  auto prepared_at = now_ns();
  for (auto* gateway : {&units.unbj, &units.center}) {
    auto answer = gateway_test::admin(*gateway, http::verb::post, "/rules/prepare", prepare);
    ASSERT_EQ(answer.status, 200) << answer.body;
  }
  std::this_thread::sleep_for(500ms);
  for (auto* gateway : {&units.unbj, &units.center}) {
    auto answer = gateway_test::admin(*gateway, http::verb::post, "/rules/commit", {{"version", 2}});
    ASSERT_EQ(answer.status, 200) << answer.body;
  }
  auto status = process.wait_for_exit(9s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe();
  auto events = read_events(events_path);
  std::filesystem::remove(events_path);

  auto disconnected = of(events, "disconnected", 1111);
  ASSERT_EQ(disconnected.size(), 2u);  // the cutover, then the shutdown
  EXPECT_EQ(disconnected[0].fields["cause"], "server_close");
  EXPECT_EQ(disconnected[0].fields["closed_by"], "server");
  EXPECT_EQ(disconnected[0].fields["code"], 4001);
  EXPECT_EQ(disconnected[0].fields["reason"], "moved from center to unbj by rules v2");
  EXPECT_EQ(disconnected[0].fields["unit"], "center");
  EXPECT_GT(disconnected[0].t_ns, prepared_at);

  auto rejected = of(events, "rejected", 1111);
  ASSERT_FALSE(rejected.empty()) << "the fence should have answered 503";
  EXPECT_EQ(rejected[0].fields["error"], "http_status");
  EXPECT_EQ(rejected[0].fields["status"], 503);
  EXPECT_EQ(rejected[0].fields["retry_after_ns"], 1'000'000'000);
  auto attempts = of(events, "attempt", 1111);
  ASSERT_GE(attempts.size(), 3u);
  EXPECT_GE(attempts[1].t_ns - disconnected[0].t_ns, 100'000'000) << "fixed:100ms";
  EXPECT_GE(attempts[2].t_ns - rejected[0].t_ns, 1'000'000'000) << "Retry-After: 1 is a floor";

  auto connected = of(events, "connected", 1111);
  ASSERT_EQ(connected.size(), 2u);
  expect_connected(connected[0], "center", "hangzhou", 1);
  expect_connected(connected[1], "unbj", "beijing", 0);  // now local to the domain's unit
  EXPECT_GT(connected[1].t_ns, disconnected[0].t_ns + 1'000'000'000);

  // Exactly the moved routerId was touched.
  expect_undisturbed(events, 2222, "center", "hangzhou");
  expect_undisturbed(events, 8330, "unbj", "beijing");
}

TEST(ClientsWithGateway, HeartbeatDetectsAFrozenBackendBehindTheGateway) {
  TwoUnits units;
  auto events_path = temp_file("frozen");
  auto argv = units.flags({"--router-ids", "1111,8330", "--heartbeat", "200ms", "--idle-timeout", "600ms",
                           "--reconnect", "fixed:10s", "--duration", "4s", "--events", events_path.string()});
  argv.insert(argv.begin(), {WSFO_BINARY, "clients"});
  ChildProcess process(argv);
  ASSERT_TRUE(wait_for_events(events_path, all_connected({1111, 8330})));
  std::this_thread::sleep_for(300ms);  // a few heartbeats answered first
  auto frozen_at = now_ns();
  units.hangzhou.process.send_signal(SIGSTOP);
  auto status = process.wait_for_exit(9s);
  units.hangzhou.process.send_signal(SIGCONT);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe();
  auto events = read_events(events_path);
  std::filesystem::remove(events_path);

  auto disconnected = of(events, "disconnected", 1111);
  ASSERT_FALSE(disconnected.empty());
  const auto& d = disconnected[0];
  auto cause = d.fields["cause"].get<std::string>();
  EXPECT_TRUE(cause == "idle_timeout" || cause == "pong_timeout") << d.fields.dump();
  EXPECT_EQ(d.fields["closed_by"], "client");
  EXPECT_FALSE(d.fields.contains("code")) << "a frozen peer gets no close handshake";
  // Broadcasts every 50 ms kept it heard until the freeze; then 600 ms of
  // silence, noticed at the next 200 ms heartbeat tick (slack for load).
  auto after_freeze = d.t_ns - frozen_at;
  EXPECT_GE(after_freeze, 540'000'000);
  EXPECT_LE(after_freeze, 1'300'000'000);
  expect_undisturbed(events, 8330, "unbj", "beijing");
}

// Backoff end to end against the gateway: its only backend refuses, so every
// attempt is answered 502 and retried after random(0, min(cap, base * 2^n)).
TEST(ClientsWithGateway, BackoffWithFullJitterAfter502sFromTheGateway) {
  gateway_test::Gateway unbj(gateway_test::gateway_config(
      {gateway_test::refused_address()}, unit_patch("unbj-gw1", "unbj", {{"limits", {{"fail_timeout", "1ms"}}}})));
  auto run =
      run_clients({"--url", "ws://websocket.msha.tech:8080/", "--resolve",
                   "websocket.msha.tech=127.0.0.1:" + std::to_string(unbj.port), "--router-ids", "8330,8331,8332",
                   "--reconnect", "backoff:base=20ms,cap=160ms", "--duration", "1500ms", "--seed", "11"});
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  std::int64_t samples = 0, below_half_cap = 0;
  std::set<std::int64_t> distinct;
  for (std::uint64_t id : {8330, 8331, 8332}) {
    auto rejected = of(run.events, "rejected", id);
    ASSERT_FALSE(rejected.empty());
    EXPECT_EQ(rejected[0].fields["status"], 502) << rejected[0].fields.dump();
    auto intervals = attempt_intervals(run.events, id);
    ASSERT_GE(intervals.size(), 5u) << "routerId " << id;
    for (std::size_t n = 0; n < intervals.size(); ++n) {
      std::int64_t ceiling = std::min<std::int64_t>(160'000'000, 20'000'000LL << std::min<std::size_t>(n, 20));
      EXPECT_LE(intervals[n], ceiling + 100'000'000) << "routerId " << id << " retry " << n;  // + the attempt itself
      ++samples;
      distinct.insert(intervals[n] / 1'000'000);
      if (n >= 3 && intervals[n] < 80'000'000) ++below_half_cap;
    }
  }
  EXPECT_GT(below_half_cap, 0) << "full jitter spreads retries below the cap too (" << samples << " retries)";
  EXPECT_GT(distinct.size(), static_cast<std::size_t>(samples / 3)) << "delays should differ";
}

// One run that writes every client kind, each line checked against the
// schema by read_events (documented fields and values only); the `gap` comes
// from a peer (the center unit's public URL) that skips sequence numbers,
// closes with 4001 and then answers every retry with 503.
TEST(ClientsWithGateway, EveryEventKindMatchesTheSchema) {
  std::atomic<int> connections{0};
  TestServer skipping([&connections](int fd, const std::atomic<bool>& stopping) {
    if (connections++ > 0) {
      if (read_request(fd, stopping).empty()) return;
      write_all(fd, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 6\r\n\r\nfenced");
      return;
    }
    websocket_peer([](auto& ws, const auto&) {
      beast::error_code ec;
      for (const char* text : {"Welcome to the server!skipper", "1:skipper", "2:skipper", "5:skipper", "6:skipper"})
        ws.write(net::buffer(std::string(text)), ec);
      ws.close(websocket::close_reason(static_cast<websocket::close_code>(4001), "moved"), ec);
      beast::flat_buffer ignored;
      ws.read(ignored, ec);
    })(fd, stopping);
  });
  TwoUnits units(Json{{"units", {{"center", {{"public_url", "ws://" + skipping.address()}}}}}});
  auto run =
      run_clients(units.flags({"--router-ids", "1111,8330", "--duration", "1500ms", "--reconnect", "fixed:50ms"}));
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();

  std::map<std::string, int> kinds;
  for (const auto& e : run.events) ++kinds[e.kind];
  for (const auto& spec : history::known_kinds()) {
    if (!spec.needs_router_id) continue;  // the VRRP kinds are not ours
    EXPECT_GT(kinds[std::string(spec.kind)], 0) << "no '" << spec.kind << "' event";
    for (const auto& e : run.events) {
      if (e.kind != spec.kind) continue;
      for (const auto& field : spec.fields)
        if (field.required) {
          EXPECT_TRUE(e.fields.contains(field.name)) << e.kind << " without " << field.name;
        }
    }
  }
  auto gaps = of(run.events, "gap", 1111);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].fields["backend"], "skipper");
  EXPECT_EQ(gaps[0].fields["missing"], 2);
  EXPECT_EQ(gaps[0].fields["after_seq"], 2);
  auto disconnected = of(run.events, "disconnected", 1111);
  ASSERT_FALSE(disconnected.empty());
  EXPECT_EQ(disconnected[0].fields["code"], 4001);
  EXPECT_EQ(disconnected[0].fields["backend"], "skipper");
  EXPECT_NE(run.stdout_text.find("gaps 1 (2 messages missing)"), std::string::npos) << run.stdout_text;
  expect_undisturbed(run.events, 8330, "unbj", "beijing");
  // Merging histories needs one clock: every timestamp lies within this run.
  for (const auto& e : run.events) EXPECT_LE(e.t_ns, now_ns());
}

}  // namespace
}  // namespace wsfo::clients_test
