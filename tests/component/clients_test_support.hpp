#pragma once
// Shared by the `wsfo clients` component tests: `wsfo backend` children, small
// in-test TCP servers that play bad peers, running the `wsfo clients` binary
// and reading back its events with every line checked against the schema
// (docs/history.md), stricter than a reader has to be: only documented
// fields, and the documented values of `error`, `cause` and `closed_by`.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <thread>

#include "core/history/event.hpp"
#include "process/child_process.hpp"

namespace wsfo::clients_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using history::Event;
using process::ChildProcess;

// A `wsfo backend` child on 127.0.0.1 with an ephemeral port.
struct BackendProcess {
  explicit BackendProcess(const std::string& label, std::vector<std::string> flags = {"--interval", "50ms"})
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
inline std::string read_request(int fd, const std::atomic<bool>& stopping) {
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

inline void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

inline void hold_until_stopped(const std::atomic<bool>& stopping) {
  while (!stopping) std::this_thread::sleep_for(10ms);
}

inline std::string header_value(const std::string& request, const std::string& name) {
  std::smatch match;
  if (std::regex_search(request, match, std::regex("\r\n" + name + ": *([^\r]*)\r\n", std::regex::icase)))
    return match[1];
  return {};
}

// Completes the WebSocket handshake with Beast, then runs `after` on the stream.
inline TestServer::Serve websocket_peer(
    std::function<void(websocket::stream<tcp::socket>&, const std::atomic<bool>&)> after) {
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

// A loopback port nobody listens on.
inline std::uint16_t refused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

inline std::filesystem::path temp_file(const std::string& name) {
  static std::atomic<int> counter{0};
  return std::filesystem::path(::testing::TempDir()) /
         (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".jsonl");
}

// The values docs/history.md lists for the client kinds.
inline const std::set<std::string>& documented_values(const std::string& field) {
  static const std::map<std::string, std::set<std::string>> values = {
      {"error",
       {"unresolvable", "bind_failed", "refused", "connect_failed", "connect_timeout", "handshake_timeout",
        "certificate_error", "tls_failed", "bad_http", "bad_handshake", "http_status", "redirect_loop", "too_many_redirects",
        "bad_location", "redirect_not_followed"}},
      {"cause",
       {"server_close", "client_close", "shutdown", "connection_lost", "idle_timeout", "pong_timeout",
        "message_too_big", "protocol_error"}},
      {"closed_by", {"server", "client", "network"}},
  };
  return values.at(field);
}

// Checks one line of `wsfo clients` output against the schema; the event, or
// nullopt after a test failure that names the line and what is wrong.
inline std::optional<Event> checked_event(const std::string& line, const std::string& where,
                                          const std::string& source = "clients") {
  std::string error;
  auto event = history::parse_event_line(line, error);
  EXPECT_TRUE(event) << where << ": " << error << "\n" << line;
  if (!event) return std::nullopt;
  const auto* spec = history::find_kind(event->kind);
  EXPECT_TRUE(spec) << where << ": unknown kind in " << line;
  if (!spec) return std::nullopt;
  EXPECT_TRUE(spec->needs_router_id && event->router_id) << where << ": a client event without routerId: " << line;
  EXPECT_EQ(event->source, source) << where;
  EXPECT_GT(event->t_ns, 0) << where;
  for (const auto& [name, value] : event->fields.items()) {
    bool documented = std::any_of(spec->fields.begin(), spec->fields.end(),
                                  [&name](const history::FieldSpec& f) { return f.name == name; });
    EXPECT_TRUE(documented) << where << ": undocumented field '" << name << "' in " << line;
  }
  for (const char* name : {"error", "cause", "closed_by"}) {
    if (!event->fields.contains(name)) continue;
    const auto& allowed = documented_values(name);
    EXPECT_TRUE(allowed.contains(event->fields[name].get<std::string>()))
        << where << ": '" << name << "' has an undocumented value in " << line;
  }
  if (event->kind == "rejected") {
    EXPECT_FALSE(event->fields["reason"].get<std::string>().empty()) << where << ": a rejection without a reason";
  }
  return event;
}

// Reads and checks every line the binary wrote (the event schema test).
inline std::vector<Event> read_events(const std::filesystem::path& path) {
  std::vector<Event> events;
  std::ifstream in(path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (auto event = checked_event(line, path.string() + ":" + std::to_string(number))) events.push_back(*event);
  }
  return events;
}

struct Run {
  process::ExitStatus status;
  std::vector<Event> events;
  std::string stdout_text;
};

inline Run run_clients(std::vector<std::string> flags, std::chrono::milliseconds limit = 8s) {
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

inline std::vector<Event> of(const std::vector<Event>& events, const std::string& kind, std::uint64_t router_id) {
  std::vector<Event> out;
  for (const auto& e : events)
    if (e.kind == kind && e.router_id == router_id) out.push_back(e);
  return out;
}

inline std::vector<std::int64_t> attempt_intervals(const std::vector<Event>& events, std::uint64_t router_id) {
  std::vector<std::int64_t> intervals;
  auto attempts = of(events, "attempt", router_id);
  for (std::size_t i = 1; i < attempts.size(); ++i) intervals.push_back(attempts[i].t_ns - attempts[i - 1].t_ns);
  return intervals;
}

}  // namespace wsfo::clients_test
