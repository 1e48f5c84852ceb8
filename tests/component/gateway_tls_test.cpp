// `wsfo gateway` with a `tls` section: wss:// clients are routed, relayed,
// redirected (the Location keeps wss://) and closed at a cutover as plain
// ones are, and bad TLS input is refused on the gateway's side without
// touching a bystander.
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "tests/component/gateway_harness.hpp"
#include "tls/certificates.hpp"
#include "tls/contexts.hpp"

namespace wsfo::gateway_test {
namespace {

namespace ssl = net::ssl;
constexpr const char* kName = "unbj.websocket.msha.tech";

// The run's CA and the gateway's certificate, as `wsfo run` makes them.
struct Certificates {
  Certificates() : dir(temp_dir()) {
    std::string error;
    auto ca = tls::CertificateAuthority::create("gateway test CA", error);
    if (!ca) throw std::runtime_error(error);
    auto server = ca->issue_server({kName, "127.0.0.1"}, error);
    if (!server) throw std::runtime_error(error);
    for (auto [file, text, secret] : {std::tuple{ca_file(), ca->certificate_pem(), false},
                                      std::tuple{dir + "/gw.pem", server->certificate, false},
                                      std::tuple{dir + "/gw.key", server->key, true}})
      if (auto e = tls::write_pem(file, text, secret); !e.empty()) throw std::runtime_error(e);
  }
  std::string ca_file() const { return dir + "/ca.pem"; }
  Json gateway_patch() const {
    return {{"tls", {{"certificate", dir + "/gw.pem"}, {"key", dir + "/gw.key"}}},
            {"units",
             {{"center", {{"public_url", "wss://center.websocket.msha.tech:8443"}}},
              {"unbj", {{"public_url", "wss://unbj.websocket.msha.tech:8443/"}}}}}};
  }
  std::string dir;
};

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// Connects and runs the TLS handshake with SNI `host`; the error, if any, in words.
std::string tls_connect(net::io_context& io, TlsStream& stream, std::uint16_t port, const std::string& host,
                        bool verify) {
  std::string error;
  if (!tls::prepare_client(stream.native_handle(), host, verify, error)) return error;
  beast::get_lowest_layer(stream).expires_after(kStep);
  beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  beast::error_code ec;
  stream.async_handshake(ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
  io.restart();
  io.run();
  return ec ? tls::describe_failure(ec, stream.native_handle()) : "";
}

std::shared_ptr<tls::Context> verifying_context(const std::string& ca_file, bool legacy = false) {
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
std::string tls_exchange(std::uint16_t port, const std::string& ca_file, const std::string& request) {
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

std::string tls_metric(const Gateway& gateway, const std::string& line_start) {
  std::string metrics = admin(gateway, http::verb::get, "/metrics").body;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(line_start + " ", 0) == 0) return line.substr(line_start.size() + 1);
  return "absent";
}

TEST(GatewayTls, WssIsRelayedRedirectedWithItsSchemeAndClosedAtACutover) {
  Certificates certificates;
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}, certificates.gateway_patch()));
  auto context = verifying_context(certificates.ca_file());

  TlsClient local(gateway.port, context, "6000");
  local.expect("Welcome to the server!beijing");
  EXPECT_TRUE(local.echoes("beijing"));

  // routerId 10 belongs to center: the redirect keeps the scheme of the unit's public URL.
  std::string answer = tls_exchange(gateway.port, certificates.ca_file(),
                                    "GET /ws HTTP/1.1\r\nHost: " + std::string(kName) +
                                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                                        "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nrouterId: 10\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 302", 0), 0u) << answer;
  EXPECT_NE(answer.find("Location: wss://center.websocket.msha.tech:8443/ws"), std::string::npos) << answer;

  // A cutover closes the moved wss connection at a frame boundary, with 4001.
  auto prepared = admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 6700)}});
  ASSERT_EQ(prepared.status, 200) << prepared.body;
  EXPECT_EQ(prepared.json()["closed_total"], 1);
  EXPECT_EQ(local.wait_close(), 4001);
  EXPECT_EQ(tls_metric(gateway, "wsfo_gateway_closes_total{code=\"4001\"}"), "1");
}

TEST(GatewayTls, BadTlsInputIsRefusedOnTheGatewaysSideAndABystanderGoesOn) {
  Certificates certificates;
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}, certificates.gateway_patch()));
  auto context = verifying_context(certificates.ca_file());
  TlsClient bystander(gateway.port, context, "7000");
  bystander.expect("Welcome to the server!beijing");

  {  // A client that offers only TLS 1.0 and 1.1.
    net::io_context io;
    auto legacy = verifying_context(certificates.ca_file(), true);
    TlsStream stream(io, *legacy);
    EXPECT_NE(tls_connect(io, stream, gateway.port, kName, true), "");
  }
  EXPECT_EQ(tls_metric(gateway, "wsfo_gateway_handshakes_total{outcome=\"rejected\",reason=\"tls_version\"}"), "1");
  EXPECT_NE(gateway.log().find("refused: "), std::string::npos) << gateway.log();

  // Plain HTTP on the TLS port: nginx's answer, a 400 in plain text.
  RawResponse plain = raw_exchange(gateway.port, upgrade_request("/ws"));
  EXPECT_EQ(plain.status, 400) << plain.text;
  EXPECT_NE(plain.text.find("plain HTTP request sent to a TLS (wss://) port"), std::string::npos) << plain.text;
  EXPECT_EQ(tls_metric(gateway, "wsfo_gateway_handshakes_total{outcome=\"rejected\",reason=\"plain_http_on_tls_port\"}"),
            "1");

  {  // An unknown server name: the default certificate, which a verifying client refuses.
    net::io_context io;
    TlsStream stream(io, *context);
    std::string error = tls_connect(io, stream, gateway.port, "unknown.example", true);
    EXPECT_EQ(error, "certificate verify failed: hostname mismatch");
  }
  EXPECT_EQ(tls_metric(gateway, "wsfo_gateway_tls_unknown_server_names_total"), "1");
  // Without verification the same name is served.
  TlsClient careless(gateway.port, context, "7001", "unknown.example", false);
  careless.expect("Welcome to the server!beijing");
  EXPECT_EQ(tls_metric(gateway, "wsfo_gateway_tls_unknown_server_names_total"), "2");

  EXPECT_TRUE(bystander.echoes("beijing"));
}

// Every listener of a TLS gateway speaks TLS only, so the proxy correction
// reaches the owning unit's gateway over TLS, verified against the run's CA
// for the address it dials; a cutover on the forwarding gateway still closes
// the forwarded connection with 4001.
TEST(GatewayTls, TheProxyCorrectionReachesAnotherUnitsGatewayOverTls) {
  Certificates certificates;
  Backend hangzhou("hangzhou");
  Backend beijing("beijing");
  Json center_patch = certificates.gateway_patch();
  center_patch["node"] = "center-gw1";
  center_patch["unit"] = "center";
  Gateway center(gateway_config({hangzhou.address()}, center_patch));
  Json patch = certificates.gateway_patch();
  patch["correction"] = "proxy";
  patch["units"]["center"]["gateways"] = {"127.0.0.1:" + std::to_string(center.port)};
  patch["units"]["unbj"]["gateways"] = {"127.0.0.1:1"};
  patch["tls"]["gateways_ca"] = certificates.ca_file();
  Gateway unbj(gateway_config({beijing.address()}, patch));
  auto context = verifying_context(certificates.ca_file());

  TlsClient crossing(unbj.port, context, "1111");  // slot 1111 belongs to center
  crossing.expect("Welcome to the server!hangzhou");
  EXPECT_TRUE(crossing.echoes("hangzhou"));
  EXPECT_EQ(tls_metric(unbj, "wsfo_gateway_connections{unit=\"center\"}"), "1");
  ASSERT_EQ(
      admin(unbj, http::verb::post, "/rules/prepare",
            {{"version", 2}, {"rules", {{"version", 2}, {"ranges", {{{"from", 0}, {"to", 9999}, {"unit", "unbj"}}}}}}})
          .status,
      200);
  EXPECT_EQ(crossing.wait_close(), 4001);

  // Without the CA the forwarding gateway cannot verify center's certificate: a 502 naming why.
  patch["tls"]["gateways_ca"] = certificates.dir + "/gw.pem";  // a server certificate, not the CA
  Gateway misconfigured(gateway_config({beijing.address()}, patch));
  std::string answer = tls_exchange(misconfigured.port, certificates.ca_file(),
                                    "GET /ws HTTP/1.1\r\nHost: " + std::string(kName) +
                                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                                        "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nrouterId: 1111\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 502", 0), 0u) << answer;
  EXPECT_NE(answer.find("certificate verify failed"), std::string::npos) << answer;
}

TEST(GatewayTls, AKeyThatDoesNotMatchIsAStartFailureNamingTheFiles) {
  Certificates certificates;
  std::string error;
  auto ca = tls::CertificateAuthority::create("other", error);
  auto other = ca->issue_server({"x.example"}, error);
  ASSERT_EQ(tls::write_pem(certificates.dir + "/other.key", other->key, true), "");
  Json patch = certificates.gateway_patch();
  patch["tls"]["key"] = certificates.dir + "/other.key";
  std::string path = certificates.dir + "/gateway.json";
  std::ofstream(path) << gateway_config({"127.0.0.1:1"}, patch).dump(2);
  ChildProcess process({WSFO_BINARY, "gateway", "--config", path}, certificates.dir + "/gateway.log");
  auto status = process.wait_for_exit(kStep);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited);
  EXPECT_EQ(status->code, 2);
  std::ifstream in(certificates.dir + "/gateway.log");
  std::string log(std::istreambuf_iterator<char>(in), {});
  EXPECT_NE(log.find("cannot start TLS: the key '" + certificates.dir + "/other.key' does not match"),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace wsfo::gateway_test
