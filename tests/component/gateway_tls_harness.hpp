#pragma once
// wss:// pieces of the gateway component tests (gateway_harness.hpp for the
// rest): a CA with the gateway's certificate as `wsfo run` makes them, a
// verifying wss client, one raw request over TLS, and a metric's value.
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <functional>
#include <optional>
#include <sstream>
#include <vector>

#include "tests/component/gateway_harness.hpp"
#include "tls/certificates.hpp"
#include "tls/contexts.hpp"

namespace wsfo::gateway_test {

namespace ssl = net::ssl;
constexpr const char* kName = "unbj.websocket.msha.tech";

// The run's CA and the gateway's certificate, as `wsfo run` makes them.
struct Certificates {
  explicit Certificates(const std::string& ca_name = "gateway test CA") : dir(temp_dir()) {
    std::string error;
    auto made = tls::CertificateAuthority::create(ca_name, error);
    if (!made) throw std::runtime_error(error);
    ca.emplace(std::move(*made));
    write(ca_file(), ca->certificate_pem(), false);
    issue("gw", {kName, "127.0.0.1"});
  }
  std::string ca_file() const { return dir + "/ca.pem"; }
  // <dir>/<file>.pem and .key, a server certificate for `names`.
  void issue(const std::string& file, const std::vector<std::string>& names) const {
    std::string error;
    auto server = ca->issue_server(names, error);
    if (!server) throw std::runtime_error(error);
    write(dir + "/" + file + ".pem", server->certificate, false);
    write(dir + "/" + file + ".key", server->key, true);
  }
  static void write(const std::string& file, const std::string& text, bool secret) {
    if (auto e = tls::write_pem(file, text, secret); !e.empty()) throw std::runtime_error(e);
  }
  Json gateway_patch() const {
    return {{"tls", {{"certificate", dir + "/gw.pem"}, {"key", dir + "/gw.key"}}},
            {"units",
             {{"center", {{"public_url", "wss://center.websocket.msha.tech:8443"}}},
              {"unbj", {{"public_url", "wss://unbj.websocket.msha.tech:8443/"}}}}}};
  }
  std::string dir;
  std::optional<tls::CertificateAuthority> ca;
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Connects and runs the TLS handshake with SNI `host`; the error, if any, in words.
inline std::string tls_connect(net::io_context& io, TlsStream& stream, std::uint16_t port, const std::string& host,
                               bool verify, const std::string& ip = "127.0.0.1") {
  std::string error;
  if (!tls::prepare_client(stream.native_handle(), host, verify, error)) return error;
  beast::get_lowest_layer(stream).expires_after(kStep);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address(ip), port));
  beast::error_code ec;
  stream.async_handshake(ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
  io.restart();
  io.run();
  return ec ? tls::describe_failure(ec, stream.native_handle()) : "";
}

inline std::shared_ptr<tls::Context> verifying_context(const std::string& ca_file, bool legacy = false) {
  std::string error;
  auto context = tls::client_context({ca_file, true, legacy}, error);
  if (!context) throw std::runtime_error(error);
  return context;
}

// A wss client of the test, with deadlines like the harness's Client.
class TlsClient {
 public:
  TlsClient(std::uint16_t port, const std::shared_ptr<tls::Context>& context, const std::string& router_id,
            const std::string& host = kName, bool verify = true)
      : context_(context), ws_(io_, *context_) {
    if (auto error = tls_connect(io_, ws_.next_layer(), port, host, verify); !error.empty())
      throw std::runtime_error("TLS handshake: " + error);
    ws_.set_option(websocket::stream_base::decorator(
        [router_id](websocket::request_type& request) { request.set("routerId", router_id); }));
    beast::error_code ec;
    ws_.async_handshake(host, "/ws", [&ec](beast::error_code e) { ec = e; });
    run();
    if (ec) throw std::runtime_error("upgrade: " + ec.message());
    beast::get_lowest_layer(ws_).expires_never();
  }
  std::pair<std::string, beast::error_code> read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(kStep);
    ws_.async_read(buffer, [&ec](beast::error_code e, std::size_t) { ec = e; });
    run();
    return {beast::buffers_to_string(buffer.data()), ec};
  }
  bool echoes(const std::string& label) {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).expires_after(kStep);
    ws_.async_write(net::buffer(std::string("tls-echo")), [&ec](beast::error_code e, std::size_t) { ec = e; });
    run();
    for (int i = 0; !ec && i < 50; ++i) {
      auto [text, read_ec] = read();
      if (read_ec) return false;
      if (text == "tls-echo:" + label) return true;
    }
    return false;
  }
  void expect(const std::string& text) {
    for (int i = 0; i < 50; ++i) {
      auto [got, ec] = read();
      if (ec) throw std::runtime_error("read: " + ec.message());
      if (got == text) return;
    }
    throw std::runtime_error("did not receive '" + text + "'");
  }
  int wait_close() {
    for (int i = 0; i < 50; ++i) {
      auto [text, ec] = read();
      if (ec == websocket::error::closed) return ws_.reason().code;
      if (ec) return 0;
    }
    return -1;
  }

 private:
  void run() {
    io_.restart();
    io_.run();
  }
  net::io_context io_;
  std::shared_ptr<tls::Context> context_;
  websocket::stream<TlsStream> ws_;
};

// One request over TLS, the raw answer back (the gateway closes after it).
inline std::string tls_exchange(std::uint16_t port, const std::string& ca_file, const std::string& request) {
  net::io_context io;
  auto context = verifying_context(ca_file);
  TlsStream stream(io, *context);
  if (auto error = tls_connect(io, stream, port, kName, true); !error.empty()) return "TLS handshake: " + error;
  std::string answer;
  net::async_write(stream, net::buffer(request), [&](beast::error_code, std::size_t) {});
  std::array<char, 4096> chunk{};
  std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec, std::size_t n) {
    answer.append(chunk.data(), n);
    if (!ec) stream.async_read_some(net::buffer(chunk), on_read);
  };
  stream.async_read_some(net::buffer(chunk), on_read);
  io.restart();
  io.run();
  return answer;
}

inline std::string tls_metric(const Gateway& gateway, const std::string& line_start) {
  std::string metrics = admin(gateway, http::verb::get, "/metrics").body;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(line_start + " ", 0) == 0) return line.substr(line_start.size() + 1);
  return "absent";
}

}  // namespace wsfo::gateway_test
