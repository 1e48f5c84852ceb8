// `wsfo clients` as a real process against `wsfo backend` children and small
// in-test servers that play the bad peers of issue 4. In most tests a
// "router" server redirects routerId 1 to the peer under test and every other
// routerId to a healthy backend, so each test also checks that one bad peer
// leaves the other clients of the process alone.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "core/history/event.hpp"
#include "tests/support/child_process.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using wsfo::history::Event;
using wsfo::test::ChildProcess;

struct Backend {
  explicit Backend(const std::string& label, std::vector<std::string> flags = {"--interval", "50ms"})
      : process(argv_for(label, std::move(flags))) {
    auto line = process.read_stdout_line(5s);
    if (!line) throw std::runtime_error("backend: no ready line; stderr: " + process.read_stderr(100ms));
    std::smatch match;
    if (!std::regex_match(*line, match, std::regex(R"(ready 127\.0\.0\.1:(\d+))")))
      throw std::runtime_error("backend: unexpected first line: " + *line);
    port = static_cast<std::uint16_t>(std::stoi(match[1]));
  }
  static std::vector<std::string> argv_for(const std::string& label, std::vector<std::string> flags) {
    std::vector<std::string> argv{WSFO_BINARY, "backend", "--label", label, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return argv;
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  ChildProcess process;
  std::uint16_t port = 0;
};

// A TCP server on 127.0.0.1 with an ephemeral port; each accepted connection
// is handed to `serve` on its own thread. `serve` must return soon after
// `stopping` becomes true; the destructor stops and joins everything.
class TestServer {
 public:
  using Serve = std::function<void(int fd, const std::atomic<bool>& stopping)>;

  explicit TestServer(Serve serve) : serve_(std::move(serve)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 64) != 0)
      throw std::runtime_error("test server: cannot listen");
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~TestServer() {
    stopping_ = true;
    acceptor_.join();
    for (auto& t : connections_) t.join();
    ::close(listen_fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  std::uint16_t port = 0;

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      connections_.emplace_back([this, fd] {
        serve_(fd, stopping_);
        ::close(fd);
      });
    }
  }

  Serve serve_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<std::thread> connections_;
};

// Reads an HTTP request head (bounded), or "" on timeout or close.
std::string read_request(int fd, const std::atomic<bool>& stopping) {
  std::string request;
  while (!stopping && request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    char buffer[4096];
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return {};
    request.append(buffer, static_cast<std::size_t>(n));
  }
  return request;
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

void hold_until_stopped(const std::atomic<bool>& stopping) {
  while (!stopping) std::this_thread::sleep_for(10ms);
}

std::string header_value(const std::string& request, const std::string& name) {
  std::smatch match;
  if (std::regex_search(request, match, std::regex("\r\n" + name + ": *([^\r]*)\r\n", std::regex::icase)))
    return match[1];
  return {};
}

// 302 to `bad` for routerId 1, to `good` for every other routerId.
TestServer::Serve redirect_router(std::string bad, std::string good) {
  return [bad, good](int fd, const std::atomic<bool>& stopping) {
    auto request = read_request(fd, stopping);
    if (request.empty()) return;
    const auto& location = header_value(request, "routerId") == "1" ? bad : good;
    write_all(fd, "HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n");
  };
}

// Completes the WebSocket handshake with Beast, then runs `after` on the stream.
TestServer::Serve websocket_peer(std::function<void(websocket::stream<tcp::socket>&, const std::atomic<bool>&)> after) {
  return [after](int fd, const std::atomic<bool>& stopping) {
    net::io_context io;
    tcp::socket socket(io);
    socket.assign(tcp::v4(), ::dup(fd));
    websocket::stream<tcp::socket> ws(std::move(socket));
    beast::error_code ec;
    ws.accept(ec);
    if (!ec) after(ws, stopping);
  };
}

struct Run {
  wsfo::test::ExitStatus status;
  std::vector<Event> events;
  std::string stdout_text;
};

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::path(::testing::TempDir()) /
         (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()) + ".jsonl");
}

// Reads and checks every line the binary wrote (the event schema test).
std::vector<Event> read_events(const std::filesystem::path& path) {
  std::vector<Event> events;
  std::ifstream in(path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string error;
    auto event = wsfo::history::parse_event_line(line, error);
    EXPECT_TRUE(event) << path << ":" << number << ": " << error << "\n" << line;
    if (event) {
      EXPECT_EQ(event->source, "clients");
      EXPECT_TRUE(wsfo::history::find_kind(event->kind)) << "unknown kind in " << line;
      events.push_back(std::move(*event));
    }
  }
  return events;
}

Run run_clients(std::vector<std::string> flags, std::chrono::milliseconds limit = 8s) {
  auto events_path = temp_file("clients");
  std::vector<std::string> argv{WSFO_BINARY, "clients", "--events", events_path.string()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  ChildProcess process(argv);
  Run run;
  while (auto line = process.read_stdout_line(limit)) run.stdout_text += *line + "\n";
  auto status = process.wait_for_exit(limit);
  EXPECT_TRUE(status) << "wsfo clients did not exit";
  if (status) run.status = *status;
  run.events = read_events(events_path);
  std::filesystem::remove(events_path);
  return run;
}

std::vector<Event> of(const std::vector<Event>& events, const std::string& kind, std::uint64_t router_id) {
  std::vector<Event> out;
  for (const auto& e : events)
    if (e.kind == kind && e.router_id == router_id) out.push_back(e);
  return out;
}

// The healthy client (routerId 2) connected once to `label`, stayed until
// the shutdown and kept receiving the backend's broadcast without a gap.
void expect_healthy(const Run& run, const std::string& label) {
  auto connected = of(run.events, "connected", 2);
  ASSERT_EQ(connected.size(), 1u) << "routerId 2 should connect exactly once";
  EXPECT_EQ(connected[0].fields["backend"], label);
  auto disconnected = of(run.events, "disconnected", 2);
  ASSERT_EQ(disconnected.size(), 1u);
  EXPECT_EQ(disconnected[0].fields["cause"], "shutdown");
  EXPECT_EQ(disconnected[0].fields["code"], 1000);
  EXPECT_TRUE(of(run.events, "gap", 2).empty());
  EXPECT_TRUE(of(run.events, "rejected", 2).empty());
}

std::uint16_t refused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);  // nobody listens there now
  return ntohs(address.sin_port);
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

// ---------------------------------------------------------------- tests

TEST(ClientsFleet, RedirectIsFollowedToTheUnitAndReported) {
  Backend backend("hangzhou");
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
  EXPECT_EQ(connected[0].fields["redirects"], 1);
  EXPECT_EQ(connected[0].fields["url"], "ws://good.test:8020/unit?x=1");
  EXPECT_GE(connected[0].t_ns, redirects[0].t_ns);
  expect_healthy(run, "hangzhou");
}

TEST(ClientsFleet, RedirectLoopIsDetected) {
  Backend backend("hangzhou");
  TestServer router(redirect_router("ws://websocket.msha.tech:8020/", "ws://good.test:8020/"));
  auto run = run_clients(fleet_flags(router, backend));
  auto rejected = of(run.events, "rejected", 1);
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].fields["error"], "redirect_loop");
  EXPECT_NE(rejected[0].fields["reason"].get<std::string>().find("already visited"), std::string::npos);
  expect_healthy(run, "hangzhou");
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
                        "--router-ids", "9", "--events", events_path.string(), "--duration", "1500ms", "--reconnect",
                        "fixed:100ms"});
  std::this_thread::sleep_for(500ms);
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

std::vector<std::int64_t> attempt_intervals(const std::vector<Event>& events, std::uint64_t router_id) {
  std::vector<std::int64_t> intervals;
  auto attempts = of(events, "attempt", router_id);
  for (std::size_t i = 1; i < attempts.size(); ++i) intervals.push_back(attempts[i].t_ns - attempts[i - 1].t_ns);
  return intervals;
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
  TestServer router(redirect_router(bad, "ws://good.test:8020/"));
  auto flags = fleet_flags(router, backend, c.flags);
  auto run = run_clients(flags);
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto events = of(run.events, c.kind, 1);
  ASSERT_FALSE(events.empty()) << "no '" << c.kind << "' event for routerId 1";
  EXPECT_EQ(events[0].fields[c.field], c.value) << events[0].fields.dump();
  EXPECT_NE(events[0].fields["reason"].get<std::string>().find(c.reason_part), std::string::npos)
      << events[0].fields.dump();
  expect_healthy(run, "healthy");
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
                    "no pong within 400 ms"}),
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
