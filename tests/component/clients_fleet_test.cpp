// `wsfo clients` as a real process against `wsfo backend` and `wsfo gateway`
// children and small in-test servers that play the bad peers of issue 4. The
// bad peers sit behind this project's gateway: the unbj gateway's public URL
// for the center unit points at the peer under test, so routerId 1111 (slot
// of center) is redirected there while routerId 8330 is served by the
// gateway's healthy backend, and each test also checks that one bad peer
// leaves the other clients of the process alone.
#include <csignal>
#include <fstream>
#include <iterator>

#include "tests/component/clients_test_support.hpp"
#include "tests/component/gateway_harness.hpp"

namespace wsfo::clients_test {
namespace {

using Backend = BackendProcess;

// 302 to `bad` for routerId 1, to `good` for every other routerId.
TestServer::Serve redirect_router(std::string bad, std::string good) {
  return [bad, good](int fd, const std::atomic<bool>& stopping) {
    auto request = read_request(fd, stopping);
    if (request.empty()) return;
    const auto& location = header_value(request, "routerId") == "1" ? bad : good;
    write_all(fd, "HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n");
  };
}

// The healthy client (routerId `id`) connected once to `label`, stayed until
// the shutdown and kept receiving the backend's broadcast without a gap.
void expect_healthy(const Run& run, const std::string& label, std::uint64_t id = 2) {
  SCOPED_TRACE("healthy routerId " + std::to_string(id));
  auto connected = of(run.events, "connected", id);
  ASSERT_EQ(connected.size(), 1u) << "should connect exactly once";
  EXPECT_EQ(connected[0].fields["backend"], label);
  auto disconnected = of(run.events, "disconnected", id);
  ASSERT_EQ(disconnected.size(), 1u);
  EXPECT_EQ(disconnected[0].fields["cause"], "shutdown");
  EXPECT_EQ(disconnected[0].fields["code"], 1000);
  EXPECT_TRUE(of(run.events, "gap", id).empty());
  EXPECT_TRUE(of(run.events, "rejected", id).empty());
}

std::vector<std::string> fleet_flags(const TestServer& router, const Backend& backend,
                                     std::vector<std::string> more = {}) {
  std::vector<std::string> flags{"--url",        "ws://websocket.msha.tech:8020/",
                                 "--resolve",    "websocket.msha.tech=" + router.address(),
                                 "--resolve",    "good.test=" + backend.address(),
                                 "--router-ids", "1,2",
                                 "--duration",   "1500ms",
                                 "--reconnect",  "fixed:200ms"};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

// The unbj gateway in front of `backend`, sending the center unit's clients to `center_url`.
gateway_test::Json unbj_gateway_config(const Backend& backend, const std::string& center_url) {
  return gateway_test::gateway_config({backend.address()}, {{"units", {{"center", {{"public_url", center_url}}}}},
                                                            {"limits", {{"idle_timeout", "30s"}}}});
}

std::vector<std::string> gateway_flags(const gateway_test::Gateway& gateway, std::vector<std::string> more = {}) {
  std::vector<std::string> flags{"--url",        "ws://websocket.msha.tech:8080/",
                                 "--resolve",    "websocket.msha.tech=127.0.0.1:" + std::to_string(gateway.port),
                                 "--router-ids", "1111,8330",
                                 "--duration",   "1500ms",
                                 "--reconnect",  "fixed:200ms"};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

// ---------------------------------------------------------------- tests

TEST(ClientsFleet, RedirectIsFollowedToTheUnitAndReported) {
  Backend backend("hangzhou", {"--interval", "50ms", "--name", "hangzhou-app2"});
  TestServer router(redirect_router("ws://good.test:8020/unit?x=1", "ws://good.test:8020/"));
  auto run = run_clients(fleet_flags(router, backend));
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto redirects = of(run.events, "redirect", 1);
  ASSERT_EQ(redirects.size(), 1u);
  EXPECT_EQ(redirects[0].fields["from"], "ws://websocket.msha.tech:8020/");
  EXPECT_EQ(redirects[0].fields["to"], "ws://good.test:8020/unit?x=1");
  EXPECT_EQ(redirects[0].fields["status"], 302);
  auto connected = of(run.events, "connected", 1);
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_EQ(connected[0].fields["backend"], "hangzhou");
  EXPECT_EQ(connected[0].fields["backend_name"], "hangzhou-app2");  // its X-Wsfo-Backend
  EXPECT_EQ(connected[0].fields["redirects"], 1);
  EXPECT_EQ(connected[0].fields["url"], "ws://good.test:8020/unit?x=1");
  EXPECT_GE(connected[0].t_ns, redirects[0].t_ns);
  expect_healthy(run, "hangzhou");
}

// A misconfigured gateway whose center URL is the domain itself: the chain
// comes back to a URL it visited, and the client stops there.
TEST(ClientsFleet, RedirectLoopThroughAMisconfiguredGatewayIsDetected) {
  Backend backend("healthy");
  gateway_test::Gateway gateway(unbj_gateway_config(backend, "ws://websocket.msha.tech:8080"));
  auto run = run_clients(gateway_flags(gateway));
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto rejected = of(run.events, "rejected", 1111);
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].fields["error"], "redirect_loop");
  EXPECT_NE(rejected[0].fields["reason"].get<std::string>().find("already visited"), std::string::npos);
  EXPECT_TRUE(of(run.events, "connected", 1111).empty());
  expect_healthy(run, "healthy", 8330);
}

TEST(ClientsFleet, ReconnectsAfterAServerSideClose) {
  Backend first("first"), second("second");
  std::vector<std::string> argv{WSFO_BINARY,
                                "clients",
                                "--url",
                                "ws://d.test:1/",
                                "--resolve",
                                "d.test=" + first.address(),
                                "--resolve",
                                "d.test=" + second.address(),
                                "--router-ids",
                                "7",
                                "--reconnect",
                                "fixed:100ms",
                                "--verbose",
                                "--duration",
                                "3s"};
  ChildProcess process(argv);
  ASSERT_EQ(process.read_stdout_line(3s), "connected:7");
  auto welcome = process.read_stdout_line(3s);
  ASSERT_TRUE(welcome);
  bool on_first = welcome->find("!first") != std::string::npos;
  (on_first ? first : second).process.send_signal(SIGTERM);  // closes every client with 1001
  std::vector<std::string> lines;
  while (auto line = process.read_stdout_line(4s)) lines.push_back(*line);
  auto at = [&](const std::string& text) { return std::find(lines.begin(), lines.end(), text) - lines.begin(); };
  auto disconnected = at("disconnected");
  auto reconnecting = at("!!! reconnecting in ...100 ms");
  auto second_welcome = at(std::string("msg: Welcome to the server!") + (on_first ? "second" : "first") + " ");
  ASSERT_LT(disconnected, static_cast<long>(lines.size()));
  EXPECT_LT(disconnected, reconnecting);
  EXPECT_LT(reconnecting, second_welcome);
  EXPECT_LT(second_welcome, static_cast<long>(lines.size())) << "never reached the other backend";
  auto status = process.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe();
}

TEST(ClientsFleet, ServerCloseIsReportedWithItsCode) {
  Backend backend("only", {"--interval", "50ms", "--crash-after", "60s"});
  auto events_path = temp_file("close");
  ChildProcess process({WSFO_BINARY, "clients", "--url", "ws://127.0.0.1:" + std::to_string(backend.port) + "/",
                        "--router-ids", "9", "--events", events_path.string(), "--duration", "3s", "--reconnect",
                        "fixed:100ms"});
  // Close only once the client has been connected for a while (a fixed sleep
  // from spawn is too short when the binary starts slowly, as under ASan).
  // The fleet flushes its events every 200 ms.
  auto connected_seen = [&] {
    std::ifstream in(events_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find(R"("kind":"connected")") != std::string::npos;
  };
  auto give_up = std::chrono::steady_clock::now() + 10s;
  while (!connected_seen() && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(connected_seen()) << "the client never connected";
  std::this_thread::sleep_for(400ms);
  backend.process.send_signal(SIGTERM);
  auto status = process.wait_for_exit(5s);
  ASSERT_TRUE(status);
  auto events = read_events(events_path);
  std::filesystem::remove(events_path);
  auto disconnected = of(events, "disconnected", 9);
  ASSERT_FALSE(disconnected.empty());
  EXPECT_EQ(disconnected[0].fields["cause"], "server_close");
  EXPECT_EQ(disconnected[0].fields["closed_by"], "server");
  EXPECT_EQ(disconnected[0].fields["code"], 1001);
  EXPECT_GT(disconnected[0].fields["connected_ns"].get<std::int64_t>(), 300'000'000);
  auto rejected = of(events, "rejected", 9);  // the backend is gone: the retries are refused
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].fields["error"], "refused");
}

TEST(ClientsFleet, FixedReconnectDelayEndToEnd) {
  auto port = std::to_string(refused_port());
  auto run = run_clients({"--url", "ws://127.0.0.1:" + port + "/", "--router-ids", "5", "--reconnect", "fixed:250ms",
                          "--duration", "1400ms"});
  auto intervals = attempt_intervals(run.events, 5);
  ASSERT_GE(intervals.size(), 3u);
  for (auto ns : intervals) {
    EXPECT_GE(ns, 250'000'000);
    EXPECT_LT(ns, 400'000'000);
  }
  EXPECT_EQ(of(run.events, "rejected", 5)[0].fields["error"], "refused");
}

TEST(ClientsFleet, BackoffWithJitterStaysUnderTheCeilingEndToEnd) {
  auto port = std::to_string(refused_port());
  auto run = run_clients({"--url", "ws://127.0.0.1:" + port + "/", "--router-ids", "1,2,3,4", "--reconnect",
                          "backoff:base=20ms,cap=160ms", "--duration", "1500ms", "--seed", "3"});
  std::int64_t total_samples = 0, below_half_cap = 0;
  for (std::uint64_t id = 1; id <= 4; ++id) {
    auto intervals = attempt_intervals(run.events, id);
    ASSERT_GE(intervals.size(), 5u) << "routerId " << id;
    for (std::size_t n = 0; n < intervals.size(); ++n) {
      std::int64_t ceiling = std::min<std::int64_t>(160'000'000, 20'000'000LL << std::min<std::size_t>(n, 20));
      EXPECT_LE(intervals[n], ceiling + 60'000'000) << "routerId " << id << " retry " << n;
      ++total_samples;
      if (n >= 3 && intervals[n] < 80'000'000) ++below_half_cap;
    }
  }
  // Full jitter: once the ceiling is at the cap, retries spread below it too.
  EXPECT_GT(below_half_cap, 0) << "no jitter seen in " << total_samples << " retries";
}

TEST(ClientsFleet, RetryAfterOf503IsHonoured) {
  TestServer fenced([](int fd, const std::atomic<bool>& stopping) {
    if (read_request(fd, stopping).empty()) return;
    write_all(
        fd,
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 25\r\n\r\nslot 5 is fenced (v2->v3)");
  });
  auto run = run_clients({"--url", "ws://127.0.0.1:" + std::to_string(fenced.port) + "/", "--router-ids", "5",
                          "--reconnect", "fixed:50ms", "--duration", "1600ms"});
  auto rejected = of(run.events, "rejected", 5);
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].fields["status"], 503);
  EXPECT_EQ(rejected[0].fields["retry_after_ns"], 1'000'000'000);
  EXPECT_EQ(rejected[0].fields["reason"], "HTTP 503 Service Unavailable: slot 5 is fenced (v2->v3)");
  auto intervals = attempt_intervals(run.events, 5);
  ASSERT_EQ(intervals.size(), 1u);
  EXPECT_GE(intervals[0], 1'000'000'000);
}

// ---------------------------------------------------------------- bad peers

struct BadPeerCase {
  std::string name;
  std::function<std::unique_ptr<TestServer>()> server;  // null: no server (the URL says where)
  std::string bad_url;                                  // "{port}" is replaced by the server's port
  std::vector<std::string> flags;
  std::string kind;   // "rejected" or "disconnected"
  std::string field;  // "error" or "cause"
  std::string value;
  std::string reason_part;
};

void PrintTo(const BadPeerCase& c, std::ostream* os) { *os << c.name; }

class BadPeer : public ::testing::TestWithParam<BadPeerCase> {};

TEST_P(BadPeer, BecomesAnEventAndLeavesTheOtherClientsAlone) {
  const auto& c = GetParam();
  Backend backend("healthy");
  auto peer = c.server ? c.server() : nullptr;
  std::string bad = c.bad_url;
  if (peer) bad = std::regex_replace(bad, std::regex("\\{port\\}"), std::to_string(peer->port));
  bad = std::regex_replace(bad, std::regex("\\{refused\\}"), std::to_string(refused_port()));
  gateway_test::Gateway gateway(unbj_gateway_config(backend, bad));
  auto started = std::chrono::steady_clock::now();
  auto run = run_clients(gateway_flags(gateway, c.flags));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto events = of(run.events, c.kind, 1111);
  ASSERT_FALSE(events.empty()) << "no '" << c.kind << "' event for routerId 1111";
  EXPECT_EQ(events[0].fields[c.field], c.value) << events[0].fields.dump();
  EXPECT_NE(events[0].fields["reason"].get<std::string>().find(c.reason_part), std::string::npos)
      << events[0].fields.dump();
  expect_healthy(run, "healthy", 8330);
  // --duration 1500ms, then at most --close-timeout (2 s by default) for a peer that does not answer.
  EXPECT_LT(took, 6s) << "the process was held up";
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadPeer,
    ::testing::Values(
        BadPeerCase{"unresolvable",
                    nullptr,
                    "ws://nowhere.test:80/",
                    {},
                    "rejected",
                    "error",
                    "unresolvable",
                    "cannot resolve 'nowhere.test'"},
        BadPeerCase{
            "refused", nullptr, "ws://127.0.0.1:{refused}/", {}, "rejected", "error", "refused", "Connection refused"},
        BadPeerCase{"garbage_http",
                    [] {
                      return std::make_unique<TestServer>([](int fd, const std::atomic<bool>& stopping) {
                        if (read_request(fd, stopping).empty()) return;
                        write_all(fd, "SSH-2.0-OpenSSH_9.2\r\nwhat is this\r\n\r\n");
                      });
                    },
                    "ws://127.0.0.1:{port}/",
                    {},
                    "rejected",
                    "error",
                    "bad_http",
                    "garbage HTTP answer"},
        BadPeerCase{"handshake_never_answered",
                    [] {
                      return std::make_unique<TestServer>(
                          [](int, const std::atomic<bool>& stopping) { hold_until_stopped(stopping); });
                    },
                    "ws://127.0.0.1:{port}/",
                    {"--handshake-timeout", "300ms"},
                    "rejected",
                    "error",
                    "handshake_timeout",
                    "no answer within 300 ms"},
        BadPeerCase{"oversized_frame",
                    [] {
                      return std::make_unique<TestServer>(websocket_peer([](auto& ws, const auto& stopping) {
                        beast::error_code ec;
                        ws.write(net::buffer(std::string(64 * 1024, 'x')), ec);
                        beast::flat_buffer ignored;
                        ws.read(ignored, ec);  // the client's close (1009) ends it
                        (void)stopping;
                      }));
                    },
                    "ws://127.0.0.1:{port}/",
                    {"--max-message", "4096"},
                    "disconnected",
                    "cause",
                    "message_too_big",
                    "limit of 4096 bytes"},
        BadPeerCase{"stops_reading",
                    [] {
                      // Keeps talking but never reads, so the client's pings go unanswered.
                      return std::make_unique<TestServer>(websocket_peer([](auto& ws, const auto& stopping) {
                        beast::error_code ec;
                        while (!stopping && !ec) {
                          ws.write(net::buffer(std::string("chatter")), ec);
                          std::this_thread::sleep_for(50ms);
                        }
                      }));
                    },
                    "ws://127.0.0.1:{port}/",
                    {"--heartbeat", "100ms", "--idle-timeout", "400ms"},
                    "disconnected",
                    "cause",
                    "pong_timeout",
                    "no pong within 400 ms"},
        BadPeerCase{"stops_reading_at_shutdown",
                    [] {
                      // Silent after the handshake and never reads: the close at shutdown goes unanswered.
                      return std::make_unique<TestServer>(
                          websocket_peer([](auto&, const auto& stopping) { hold_until_stopped(stopping); }));
                    },
                    "ws://127.0.0.1:{port}/",
                    {"--close-timeout", "300ms"},
                    "disconnected",
                    "cause",
                    "shutdown",
                    "the peer did not answer the close within 300 ms"}),
    [](const auto& info) { return info.param.name; });

TEST(ClientsFleet, HeartbeatDetectsAFrozenPeerWithinTheTimeout) {
  Backend backend("healthy");
  TestServer frozen(websocket_peer([](auto&, const auto& stopping) { hold_until_stopped(stopping); }));
  TestServer router(redirect_router("ws://127.0.0.1:" + std::to_string(frozen.port) + "/", "ws://good.test:8020/"));
  auto run = run_clients(fleet_flags(router, backend, {"--heartbeat", "100ms", "--idle-timeout", "400ms"}));
  auto connected = of(run.events, "connected", 1);
  auto disconnected = of(run.events, "disconnected", 1);
  ASSERT_FALSE(connected.empty());
  ASSERT_FALSE(disconnected.empty());
  EXPECT_EQ(disconnected[0].fields["cause"], "idle_timeout");  // nothing at all came back
  EXPECT_EQ(disconnected[0].fields["reason"], "nothing heard for 400 ms");
  EXPECT_EQ(disconnected[0].fields["closed_by"], "client");
  auto open_for = disconnected[0].fields["connected_ns"].get<std::int64_t>();
  EXPECT_GE(open_for, 400'000'000);  // one ping period, then the timeout
  EXPECT_LT(open_for, 700'000'000);
  expect_healthy(run, "healthy");
}

TEST(ClientsCommand, BadFlagsExitWithUsage) {
  for (std::vector<std::string> flags : {
           std::vector<std::string>{"--url", "ws://a/", "--router-ids", "1", "--reconnect", "linear"},
           std::vector<std::string>{"--url", "ws://a/", "--router-ids", "x"},
           std::vector<std::string>{"--url", "ws://a/"},
           std::vector<std::string>{"--url", "a", "--router-ids", "1"},
           std::vector<std::string>{"--url", "ws://a/", "--router-ids", "1", "--heartbeat", "5s", "--idle-timeout",
                                    "1s"},
           std::vector<std::string>{"--url", "ws://a/", "--router-ids", "1", "--resolve", "a=b"},
       }) {
    std::vector<std::string> argv{WSFO_BINARY, "clients"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    ChildProcess process(argv);
    auto status = process.wait_for_exit(5s);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->exited && status->code == 2) << flags.back() << ": " << status->describe();
    EXPECT_NE(process.read_stderr(1s).find("wsfo clients: --"), std::string::npos) << flags.back();
  }
}

}  // namespace
}  // namespace wsfo::clients_test
