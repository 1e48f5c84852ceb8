#pragma once
// Component-test harness for `wsfo gateway`: the real binary and real
// `wsfo backend` processes on loopback with ephemeral ports, a Beast
// WebSocket client, raw HTTP exchanges and admin API calls, every step bounded.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "process/child_process.hpp"

namespace wsfo::gateway_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using Json = nlohmann::json;
using namespace std::chrono_literals;
using process::ChildProcess;

constexpr auto kStep = 3s;

inline std::string temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "wsfo-gateway-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

struct Backend {
  // `interval`: its broadcast period ("0s": none); `host`: a loopback address
  // to listen on; `flags`: more of `wsfo backend`'s (--tls-certificate ...).
  explicit Backend(const std::string& label, const std::string& interval = "0s", const std::string& host = "127.0.0.1",
                   const std::vector<std::string>& flags = {})
      : process(argv(label, interval, host, flags)), host(host) {
    auto line = process.read_stdout_line(kStep);
    std::smatch m;
    if (!line || !std::regex_match(*line, m, std::regex(R"(ready 127\.\d+\.\d+\.\d+:(\d+))")))
      throw std::runtime_error("backend did not start: " + process.read_stderr(100ms));
    port = static_cast<std::uint16_t>(std::stoi(m[1]));
  }
  std::string address() const { return host + ":" + std::to_string(port); }
  static std::vector<std::string> argv(const std::string& label, const std::string& interval, const std::string& host,
                                       const std::vector<std::string>& flags) {
    std::vector<std::string> out{WSFO_BINARY, "backend", "--listen",   host + ":0",
                                 "--label",   label,     "--interval", interval};
    out.insert(out.end(), flags.begin(), flags.end());
    return out;
  }
  ChildProcess process;
  std::string host;
  std::uint16_t port = 0;
};

// A loopback port that refuses connections: bound once, then released.
inline std::string refused_address() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return "127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
}

// The seed's two units seen from the unbj gateway; `patch` is merged in.
inline Json gateway_config(const std::vector<std::string>& backends, const Json& patch = Json::object()) {
  Json config = {
      {"node", "unbj-gw1"},
      {"unit", "unbj"},
      {"listen", {"127.0.0.1:0"}},
      {"units",
       {{"center", {{"public_url", "ws://center.websocket.msha.tech:8080"}}},
        {"unbj", {{"public_url", "ws://unbj.websocket.msha.tech:8080/"}}}}},
      {"rules",
       {{"version", 1},
        {"modulus", 10000},
        {"ranges",
         {{{"from", 0}, {"to", 5997}, {"unit", "center"}}, {{"from", 5998}, {"to", 9999}, {"unit", "unbj"}}}}}},
      {"routes", {{{"prefix", "/"}, {"backends", backends}}}},
      {"limits", {{"idle_timeout", "5s"}, {"drain_timeout", "300ms"}, {"close_timeout", "500ms"}}},
  };
  config.merge_patch(patch);
  return config;
}

class Gateway {
 public:
  explicit Gateway(const Json& config, std::string dir = temp_dir(), std::vector<std::string> flags = {})
      : dir_(std::move(dir)) {
    std::string path = dir_ + "/gateway.json";
    std::ofstream(path) << config.dump(2);
    std::vector<std::string> argv{WSFO_BINARY, "gateway", "--config", path};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process_ = std::make_unique<ChildProcess>(argv, dir_ + "/gateway.log");
    auto line = process_->read_stdout_line(kStep);
    std::smatch m;
    if (!line ||
        !std::regex_match(*line, m, std::regex(R"(ready (127\.\d+\.\d+\.\d+):(\d+) admin (127\.\d+\.\d+\.\d+):(\d+))")))
      throw std::runtime_error("gateway did not start: " + line.value_or("(no line)") + "\n" + log());
    host = m[1];
    port = static_cast<std::uint16_t>(std::stoi(m[2]));
    admin_host = m[3];
    admin_port = static_cast<std::uint16_t>(std::stoi(m[4]));
    token = read_token(flags);
  }

  std::string log() const {
    std::ifstream in(dir_ + "/gateway.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  const std::string& dir() const { return dir_; }
  ChildProcess& process() { return *process_; }

  std::string host = "127.0.0.1";  // of its (first) listen address, as bound
  std::uint16_t port = 0;
  std::string admin_host = "127.0.0.1";
  std::uint16_t admin_port = 0;
  std::string token;       // of its admin API; empty with --no-admin-auth
  std::string token_file;  // where it wrote a token it generated

 private:
  // The token its admin API wants: the flag's, or the one it generated and
  // named on stderr (written before the ready line). Empty without auth.
  std::string read_token(const std::vector<std::string>& flags) {
    for (std::size_t i = 0; i + 1 < flags.size(); ++i) {
      if (flags[i] == "--token") return flags[i + 1];
      if (flags[i] == "--token-file") return first_line(flags[i + 1]);
    }
    std::smatch m;
    std::string text = log();
    if (std::regex_search(text, m, std::regex(R"(admin token written to (\S+) \(mode 0600\))"))) {
      token_file = m[1];
      return first_line(token_file);
    }
    return {};
  }

  static std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
  }

  std::string dir_;
  std::unique_ptr<ChildProcess> process_;
};

struct RawResponse {
  int status = 0;
  std::string text;  // everything received
  std::string header(const std::string& name) const {
    std::smatch m;
    if (std::regex_search(text, m, std::regex("\r\n" + name + ": ([^\r]*)\r\n", std::regex::icase))) return m[1];
    return {};
  }
  std::string body() const {
    auto end = text.find("\r\n\r\n");
    return end == std::string::npos ? std::string() : text.substr(end + 4);
  }
};

// Sends `request` as is and reads until the server closes or `timeout` passes.
inline RawResponse raw_exchange(std::uint16_t port, const std::string& request,
                                std::chrono::milliseconds timeout = 3000ms, const std::string& host = "127.0.0.1") {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint(net::ip::make_address(host), port));
  std::string received;
  std::array<char, 4096> chunk;
  net::async_write(stream, net::buffer(request), [](beast::error_code, std::size_t) {});
  std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t n) {
    received.append(chunk.data(), n);
    if (!ec) stream.async_read_some(net::buffer(chunk), on_read);
  };
  stream.async_read_some(net::buffer(chunk), on_read);
  io.run();
  RawResponse response;
  response.text = received;
  std::smatch m;
  if (std::regex_search(received, m, std::regex(R"(^HTTP/1\.1 (\d{3}))"))) response.status = std::stoi(m[1]);
  return response;
}

inline std::string upgrade_request(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target +
         " HTTP/1.1\r\nHost: websocket.msha.tech\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
         extra_headers + "\r\n";
}

struct AdminResponse {
  int status = 0;
  std::string body;
  Json json() const { return Json::parse(body); }
};

inline AdminResponse admin(std::uint16_t port, http::verb verb, const std::string& target, const Json& body = nullptr,
                           const std::string& token = "", const std::string& host = "127.0.0.1") {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(kStep);
  stream.connect(tcp::endpoint(net::ip::make_address(host), port));
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  if (!body.is_null()) request.body() = body.dump();
  request.keep_alive(false);
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return {static_cast<int>(response.result_int()), response.body()};
}

// An admin call with the gateway's own token.
inline AdminResponse admin(const Gateway& gateway, http::verb verb, const std::string& target,
                           const Json& body = nullptr) {
  return admin(gateway.admin_port, verb, target, body, gateway.token, gateway.admin_host);
}

inline Json rules_json(std::uint64_t version, std::int64_t center_last) {
  return {{"version", version},
          {"modulus", 10000},
          {"ranges",
           {{{"from", 0}, {"to", center_last}, {"unit", "center"}},
            {{"from", center_last + 1}, {"to", 9999}, {"unit", "unbj"}}}}};
}

// A WebSocket client whose every step has a deadline.
class Client {
 public:
  Client(std::uint16_t port, const std::string& target, std::optional<std::string> router_id = std::nullopt,
         const std::string& host = "127.0.0.1")
      : ws_(io_) {
    beast::get_lowest_layer(ws_).expires_after(kStep);
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(net::ip::make_address(host), port));
    ws_.set_option(websocket::stream_base::decorator([router_id](websocket::request_type& request) {
      if (router_id) request.set("routerId", *router_id);
    }));
    beast::error_code ec;
    ws_.async_handshake(response_, "websocket.msha.tech", target, [&ec](beast::error_code e) { ec = e; });
    run();
    if (ec) throw std::runtime_error("handshake: " + ec.message());
    beast::get_lowest_layer(ws_).expires_never();
  }

  std::pair<std::string, beast::error_code> read(std::chrono::milliseconds timeout = 3000ms) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(timeout);
    ws_.async_read(buffer, [&ec](beast::error_code e, std::size_t) { ec = e; });
    run();
    beast::get_lowest_layer(ws_).expires_never();
    return {beast::buffers_to_string(buffer.data()), ec};
  }
  std::string read_text() {
    auto [text, ec] = read();
    if (ec) throw std::runtime_error("read: " + ec.message());
    return text;
  }
  // Skips broadcasts until `text` arrives.
  void expect(const std::string& text) {
    for (int i = 0; i < 200; ++i)
      if (read_text() == text) return;
    throw std::runtime_error("did not receive '" + text + "'");
  }
  void write(const std::string& text) {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(kStep);
    ws_.async_write(net::buffer(text), [&ec](beast::error_code e, std::size_t) { ec = e; });
    run();
    beast::get_lowest_layer(ws_).expires_never();
    if (ec) throw std::runtime_error("write: " + ec.message());
  }
  void ping() {
    beast::error_code ec;
    ws_.async_ping({}, [&ec](beast::error_code e) { ec = e; });
    run();
  }
  // Reads until the connection ends; the close code, or 0 without a close frame.
  int wait_close(std::chrono::milliseconds timeout = 3000ms) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      auto [text, ec] =
          read(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()));
      if (ec == websocket::error::closed) return ws_.reason().code;
      if (ec) return 0;
    }
    return -1;
  }
  // Echo round trip through the backend.
  bool alive(const std::string& label) {
    write("still-there");
    try {
      expect("still-there:" + label);
      return true;
    } catch (const std::exception&) {
      return false;
    }
  }
  const websocket::response_type& response() const { return response_; }
  websocket::close_reason reason() const { return ws_.reason(); }

 private:
  void run() {
    io_.restart();
    io_.run();
  }
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type response_;
};

inline Json backend_stats(std::uint16_t port, const std::string& host = "127.0.0.1") {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(kStep);
  stream.connect(tcp::endpoint(net::ip::make_address(host), port));
  http::request<http::empty_body> request{http::verb::get, "/stats", 11};
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return Json::parse(response.body());
}

}  // namespace wsfo::gateway_test
