// `wsfo gateway` with a `tls` section: wss:// clients are routed, relayed,
// redirected (the Location keeps wss://) and closed at a cutover as plain
// ones are, and bad TLS input is refused on the gateway's side without
// touching a bystander.
#include "tests/component/gateway_tls_harness.hpp"

namespace wsfo::gateway_test {
namespace {

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
