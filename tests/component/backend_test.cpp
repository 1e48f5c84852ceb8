// `wsfo backend` as a real process on loopback, driven by a Beast client.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <csignal>
#include <nlohmann/json.hpp>
#include <regex>

#include "process/child_process.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using wsfo::process::ChildProcess;

constexpr auto kStepTimeout = 5s;

// A backend child on 127.0.0.1 with an ephemeral port, learnt from its "ready" line.
struct Backend {
  explicit Backend(std::vector<std::string> flags) : process(argv_for(std::move(flags))) {
    auto line = process.read_stdout_line(kStepTimeout);
    if (!line) throw std::runtime_error("no ready line; stderr: " + process.read_stderr(100ms));
    std::smatch match;
    if (!std::regex_match(*line, match, std::regex(R"(ready 127\.0\.0\.1:(\d+))")))
      throw std::runtime_error("unexpected first line: " + *line);
    port = static_cast<std::uint16_t>(std::stoi(match[1]));
  }

  static std::vector<std::string> argv_for(std::vector<std::string> flags) {
    std::vector<std::string> argv{WSFO_BINARY, "backend", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return argv;
  }

  ChildProcess process;
  std::uint16_t port = 0;
};

// Synchronous-looking WebSocket client: every operation is async with a
// deadline (tcp_stream expiry), run to completion on a private io_context.
class Client {
 public:
  Client(std::uint16_t port, const std::string& path, std::optional<std::string> router_id = std::nullopt) : ws_(io_) {
    beast::get_lowest_layer(ws_).expires_after(kStepTimeout);
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    ws_.set_option(websocket::stream_base::decorator([router_id](websocket::request_type& request) {
      if (router_id) request.set("routerId", *router_id);
    }));
    beast::error_code ec;
    ws_.async_handshake(response_, "127.0.0.1", path, [&ec](beast::error_code e) { ec = e; });
    run();
    if (ec) throw std::runtime_error("handshake: " + ec.message());
  }

  // The next text message, or the error that ended the connection.
  std::pair<std::string, beast::error_code> read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(kStepTimeout);
    ws_.async_read(buffer, [&ec](beast::error_code e, std::size_t) { ec = e; });
    run();
    return {beast::buffers_to_string(buffer.data()), ec};
  }

  std::string read_text() {
    auto [text, ec] = read();
    if (ec) throw std::runtime_error("read: " + ec.message());
    return text;
  }

  // Skips other messages (e.g. broadcasts) until one matches.
  std::string read_until(const std::regex& pattern, int max_messages = 50) {
    for (int i = 0; i < max_messages; ++i) {
      auto text = read_text();
      if (std::regex_match(text, pattern)) return text;
    }
    throw std::runtime_error("no matching message");
  }

  void write(const std::string& text) {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(kStepTimeout);
    ws_.async_write(net::buffer(text), [&ec](beast::error_code e, std::size_t) { ec = e; });
    run();
    if (ec) throw std::runtime_error("write: " + ec.message());
  }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(kStepTimeout);
    ws_.async_close(websocket::close_code::normal, [&ec](beast::error_code e) { ec = e; });
    run();
  }

  const websocket::response_type& handshake_response() const { return response_; }
  websocket::close_reason close_reason() const { return ws_.reason(); }

 private:
  void run() {
    io_.restart();
    io_.run();
  }

  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type response_;
};

http::response<http::string_body> http_request(std::uint16_t port, http::verb verb, const std::string& target) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(kStepTimeout);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> request{verb, target, 11};
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return response;
}

nlohmann::json stats(std::uint16_t port) {
  auto response = http_request(port, http::verb::get, "/stats");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  return nlohmann::json::parse(response.body());
}

TEST(Backend, WelcomesAndAnnouncesNewConnectionsToEveryClient) {
  Backend backend({"--label", "hangzhou", "--interval", "0s"});
  Client first(backend.port, "/first");
  EXPECT_EQ(first.read_text(), "Welcome to the server!hangzhou");
  EXPECT_EQ(first.read_text(), "hangzhou new connection: /first");
  EXPECT_EQ(first.handshake_response()["X-Wsfo-Backend"], "hangzhou");

  Client second(backend.port, "/second?x=1");
  EXPECT_EQ(second.read_text(), "Welcome to the server!hangzhou");
  EXPECT_EQ(second.read_text(), "hangzhou new connection: /second?x=1");
  EXPECT_EQ(first.read_text(), "hangzhou new connection: /second?x=1");
}

TEST(Backend, AnnounceSelfTellsOnlyTheNewClient) {
  Backend backend({"--label", "hangzhou", "--interval", "0s", "--announce", "self"});
  Client first(backend.port, "/first");
  EXPECT_EQ(first.read_text(), "Welcome to the server!hangzhou");
  EXPECT_EQ(first.read_text(), "hangzhou new connection: /first");

  Client second(backend.port, "/second");
  EXPECT_EQ(second.read_text(), "Welcome to the server!hangzhou");
  EXPECT_EQ(second.read_text(), "hangzhou new connection: /second");
  // The echo is the first client's next message: the second's announcement never came.
  first.write("after");
  EXPECT_EQ(first.read_text(), "after:hangzhou");
}

TEST(Backend, EchoesWithLabelUnlessDisabled) {
  Backend backend({"--label", "beijing", "--interval", "0s"});
  Client client(backend.port, "/");
  client.read_until(std::regex("beijing new connection: /"));
  client.write("hello");
  EXPECT_EQ(client.read_text(), "hello:beijing");
  client.write("second message");
  EXPECT_EQ(client.read_text(), "second message:beijing");

  Backend silent({"--label", "quiet", "--interval", "50ms", "--no-echo"});
  Client other(silent.port, "/");
  other.read_until(std::regex("quiet new connection: /"));
  other.write("anyone?");
  // Only sequence broadcasts arrive, never an echo.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::regex_match(other.read_text(), std::regex(R"(\d+:quiet)")));
  EXPECT_EQ(stats(silent.port)["messages_received"], 1);
}

TEST(Backend, DelaysEchoes) {
  Backend backend({"--label", "slow", "--interval", "0s", "--delay", "300ms"});
  Client client(backend.port, "/");
  client.read_until(std::regex("slow new connection: /"));
  auto start = std::chrono::steady_clock::now();
  client.write("ping");
  EXPECT_EQ(client.read_text(), "ping:slow");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 290ms);
}

TEST(Backend, BroadcastsConsecutiveSequenceNumbersAtTheInterval) {
  Backend backend({"--label", "hz", "--interval", "100ms"});
  Client client(backend.port, "/");
  const std::regex sequence(R"((\d+):hz)");
  std::vector<long> seqs;
  std::vector<std::chrono::steady_clock::time_point> times;
  while (seqs.size() < 6) {
    auto text = client.read_text();
    std::smatch match;
    if (!std::regex_match(text, match, sequence)) continue;
    seqs.push_back(std::stol(match[1]));
    times.push_back(std::chrono::steady_clock::now());
  }
  for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], seqs[i - 1] + 1);
  auto elapsed = times.back() - times.front();  // five intervals
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LE(elapsed, 1000ms);
}

TEST(Backend, PadsBroadcastsToTheMessageSize) {
  Backend backend({"--label", "hz", "--interval", "50ms", "--message-size", "40"});
  Client client(backend.port, "/");
  auto text = client.read_until(std::regex(R"(\d+:hz.*)"));
  EXPECT_EQ(text.size(), 40u);
  EXPECT_TRUE(std::regex_match(text, std::regex(R"(\d+:hz\|x+)"))) << text;
}

TEST(Backend, StatsCountConnectionsPerRouterId) {
  Backend backend({"--label", "hz", "--interval", "0s"});
  Client a(backend.port, "/", "42");
  Client b(backend.port, "/", "42");
  Client c(backend.port, "/", "7");
  Client d(backend.port, "/");
  Client e(backend.port, "/", "12x");
  for (auto* client : {&a, &b, &c, &d, &e}) client->read_until(std::regex("Welcome to the server!hz"));
  a.write("x");
  a.read_until(std::regex("x:hz"));

  auto s = stats(backend.port);
  EXPECT_EQ(s["label"], "hz");
  EXPECT_EQ(s["open_connections"], 5);
  EXPECT_EQ(s["router_ids"]["42"]["open"], 2);
  EXPECT_EQ(s["router_ids"]["7"]["open"], 1);
  EXPECT_EQ(s["router_ids"]["none"]["open"], 1);
  EXPECT_EQ(s["router_ids"]["malformed"]["open"], 1);
  EXPECT_EQ(s["messages_received"], 1);
  EXPECT_GE(s["messages_sent"], 5);

  b.close();
  nlohmann::json after;
  for (int i = 0; i < 200; ++i) {  // the backend learns of the close asynchronously
    after = stats(backend.port);
    if (after["open_connections"] == 4) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(after["open_connections"], 4);
  EXPECT_EQ(after["total_connections"], 5);
  EXPECT_EQ(after["router_ids"]["42"]["open"], 1);
  EXPECT_EQ(after["router_ids"]["42"]["total"], 2);
}

TEST(Backend, AnswersPlainHttpWithoutUpgrade) {
  Backend backend({"--interval", "0s"});
  EXPECT_EQ(http_request(backend.port, http::verb::get, "/").result(), http::status::upgrade_required);
  EXPECT_EQ(http_request(backend.port, http::verb::post, "/anything").result(), http::status::not_found);
  EXPECT_EQ(http_request(backend.port, http::verb::post, "/stats").result(), http::status::method_not_allowed);
  EXPECT_EQ(http_request(backend.port, http::verb::get, "/stats?pretty=0").result(), http::status::ok);
}

TEST(Backend, SigtermClosesClientsWithGoingAwayAndExitsZero) {
  Backend backend({"--label", "hz", "--interval", "20ms"});
  Client one(backend.port, "/");
  Client two(backend.port, "/");
  one.read_until(std::regex(R"(\d+:hz)"));
  backend.process.send_signal(SIGTERM);
  for (auto* client : {&one, &two}) {
    beast::error_code ec;
    for (int i = 0; i < 1000 && !ec; ++i) ec = client->read().second;
    EXPECT_EQ(ec, websocket::error::closed) << ec.message();
    EXPECT_EQ(client->close_reason().code, websocket::close_code::going_away);
  }
  auto status = backend.process.wait_for_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe();
}

TEST(Backend, SigtermGivesUpOnClientsThatNeverAnswerTheCloseAfterTwoSeconds) {
  Backend backend({"--label", "hz", "--interval", "0s"});
  Client deaf(backend.port, "/");  // never reads, so never answers the close frame
  deaf.read_until(std::regex("hz new connection: /"));
  auto start = std::chrono::steady_clock::now();
  backend.process.send_signal(SIGTERM);
  auto status = backend.process.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe();
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 1900ms);
  EXPECT_LE(waited, 3500ms);
}

TEST(Backend, CrashAfterDropsConnectionsWithoutCloseFrame) {
  Backend backend({"--label", "hz", "--interval", "0s", "--crash-after", "300ms"});
  Client client(backend.port, "/");
  client.read_until(std::regex("hz new connection: /"));
  auto [text, ec] = client.read();
  EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
  EXPECT_NE(ec, websocket::error::closed);
  auto status = backend.process.wait_for_exit(3s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 70) << status->describe();
}

struct BadFlag {
  std::vector<std::string> flags;
  std::string message;
};

// Backends of one unit share its label; --name tells them apart in the 101.
TEST(Backend, NameGoesInTheBackendHeaderAndTheLabelInTheTexts) {
  Backend backend({"--label", "keepalived", "--name", "app18-8030", "--interval", "0s"});
  Client client(backend.port, "/");
  EXPECT_EQ(client.read_text(), "Welcome to the server!keepalived");
  EXPECT_EQ(client.handshake_response()["X-Wsfo-Backend"], "app18-8030");
}

TEST(Backend, BadFlagsExitTwoWithAMessage) {
  const std::vector<BadFlag> cases = {
      {{"--listen", "localhost:80"}, "--listen"},
      {{"--listen", "127.0.0.1:70000"}, "port"},
      {{"--listen", "127.0.0.1"}, "HOST:PORT"},
      {{"--interval", "5parsecs"}, "--interval"},
      {{"--delay", "-1s"}, "--delay"},
      {{"--crash-after", "soon"}, "--crash-after"},
      {{"--message-size", "-1"}, "--message-size"},
      {{"--label", "two words"}, "--label"},
      {{"--name", "two words"}, "--name"},
      {{"--announce", "everyone"}, "--announce"},
      {{"--no-such-flag"}, "no-such-flag"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv{WSFO_BINARY, "backend"};
    argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    ChildProcess process(argv);
    auto status = process.wait_for_exit(kStepTimeout);
    ASSERT_TRUE(status) << c.flags.front();
    EXPECT_TRUE(status->exited && status->code == 2) << c.flags.front() << ": " << status->describe();
    EXPECT_NE(process.read_stderr(1s).find(c.message), std::string::npos) << c.flags.front();
  }
}

TEST(Backend, PortInUseExitsTwoWithAMessage) {
  Backend first({"--interval", "0s"});
  ChildProcess second({WSFO_BINARY, "backend", "--listen", "127.0.0.1:" + std::to_string(first.port)});
  auto status = second.wait_for_exit(kStepTimeout);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 2) << status->describe();
  EXPECT_NE(second.read_stderr(1s).find("cannot listen"), std::string::npos);
}

}  // namespace
