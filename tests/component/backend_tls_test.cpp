// Re-encryption to the backends: `wsfo backend --tls-certificate --tls-key`
// serves wss:// only (GET /stats over TLS too), and a gateway with
// `tls.backends_ca` reaches it over TLS, verifying its certificate for the
// address dialed. A backend it cannot verify is a 502 naming why, counted,
// while a bystander through the same gateway goes on. Backends listen on
// 127.0.77.x, each certificate naming its own address.
#include "gateway/admin_client.hpp"
#include "tests/component/gateway_tls_harness.hpp"

namespace wsfo::gateway_test {
namespace {

// --tls-certificate <dir>/<file>.pem --tls-key <dir>/<file>.key
std::vector<std::string> tls_flags(const Certificates& certificates, const std::string& file) {
  return {"--tls-certificate", certificates.dir + "/" + file + ".pem", "--tls-key",
          certificates.dir + "/" + file + ".key"};
}

// GET /stats of a TLS backend, verified against `ca_file` for its address
// (as `wsfo run` reads its counters at the end of a run).
Json tls_backend_stats(const Backend& backend, const std::string& ca_file) {
  gateway::HttpReply reply =
      gateway::http_request(backend.address(), "GET", "/stats", "", "", 3000ms, verifying_context(ca_file));
  if (reply.status != 200) throw std::runtime_error("GET /stats over TLS: " + reply.error);
  return Json::parse(reply.body);
}

std::string upgrade_over_tls(const Gateway& gateway, const Certificates& certificates, const std::string& target) {
  return tls_exchange(gateway.port, certificates.ca_file(),
                      "GET " + target + " HTTP/1.1\r\nHost: " + std::string(kName) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                          "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nrouterId: 6000\r\n\r\n");
}

TEST(BackendTls, AGatewayWithBackendsCaRelaysBothWaysToATlsBackendAndACutoverStillCloses) {
  Certificates certificates;
  certificates.issue("backend", {"127.0.77.1"});
  Backend backend("beijing", "0s", "127.0.77.1", tls_flags(certificates, "backend"));
  Json patch = certificates.gateway_patch();
  patch["tls"]["backends_ca"] = certificates.ca_file();
  Gateway gateway(gateway_config({backend.address()}, patch));
  auto context = verifying_context(certificates.ca_file());

  TlsClient client(gateway.port, context, "6000");
  client.expect("Welcome to the server!beijing");
  EXPECT_TRUE(client.echoes("beijing"));
  Json stats = tls_backend_stats(backend, certificates.ca_file());
  EXPECT_EQ(stats["open_connections"], 1) << stats.dump();
  EXPECT_EQ(stats["nodes"]["unbj-gw1"]["open"], 1) << stats.dump();
  EXPECT_EQ(stats["messages_received"], 1) << stats.dump();

  // A gateway without backends_ca speaks plain HTTP to it: the backend's TLS
  // handshake fails, the gateway answers 502, and the relayed client goes on.
  Gateway plain(gateway_config({backend.address()}, certificates.gateway_patch()));
  std::string answer = upgrade_over_tls(plain, certificates, "/ws");
  EXPECT_EQ(answer.rfind("HTTP/1.1 502", 0), 0u) << answer;
  EXPECT_EQ(tls_backend_stats(backend, certificates.ca_file())["tls_handshake_failures"], 1);
  EXPECT_TRUE(client.echoes("beijing"));

  auto prepared = admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 6700)}});
  ASSERT_EQ(prepared.status, 200) << prepared.body;
  EXPECT_EQ(client.wait_close(), 4001);
}

TEST(BackendTls, ABackendTheGatewayCannotVerifyIsA502NamingWhyAndABystanderGoesOn) {
  Certificates certificates;
  Certificates other("another CA");
  certificates.issue("good", {"127.0.77.2"});
  other.issue("rogue", {"127.0.77.3"});
  certificates.issue("misnamed", {"127.0.77.9"});
  Backend good("beijing", "0s", "127.0.77.2", tls_flags(certificates, "good"));
  Backend rogue("rogue", "0s", "127.0.77.3", tls_flags(other, "rogue"));
  Backend misnamed("misnamed", "0s", "127.0.77.4", tls_flags(certificates, "misnamed"));
  Json patch = certificates.gateway_patch();
  patch["tls"]["backends_ca"] = certificates.ca_file();
  patch["routes"] = {{{"prefix", "/rogue"}, {"backends", {rogue.address()}}},
                     {{"prefix", "/misnamed"}, {"backends", {misnamed.address()}}},
                     {{"prefix", "/"}, {"backends", {good.address()}}}};
  Gateway gateway(gateway_config({}, patch));
  auto context = verifying_context(certificates.ca_file());
  TlsClient bystander(gateway.port, context, "6001");
  bystander.expect("Welcome to the server!beijing");

  std::string answer = upgrade_over_tls(gateway, certificates, "/rogue");
  EXPECT_EQ(answer.rfind("HTTP/1.1 502", 0), 0u) << answer;
  EXPECT_NE(answer.find("upstream backend failed during the handshake: TLS handshake: certificate verify failed: "
                        "unable to get local issuer certificate"),
            std::string::npos)
      << answer;
  answer = upgrade_over_tls(gateway, certificates, "/misnamed");
  EXPECT_EQ(answer.rfind("HTTP/1.1 502", 0), 0u) << answer;
  EXPECT_NE(answer.find("certificate verify failed: IP address mismatch"), std::string::npos) << answer;
  EXPECT_EQ(tls_metric(gateway, "wsfo_gateway_handshakes_total{outcome=\"rejected\",reason=\"no_backend\"}"), "2");
  EXPECT_EQ(tls_backend_stats(rogue, other.ca_file())["open_connections"], 0);
  // The same request verified against the wrong CA says why.
  gateway::HttpReply unverified = gateway::http_request(rogue.address(), "GET", "/stats", "", "", 3000ms,
                                                        verifying_context(certificates.ca_file()));
  EXPECT_EQ(unverified.status, 0);
  EXPECT_EQ(unverified.error, "TLS handshake: certificate verify failed: unable to get local issuer certificate");

  EXPECT_TRUE(bystander.echoes("beijing"));
  TlsClient after(gateway.port, context, "6002");
  after.expect("Welcome to the server!beijing");
}

struct FailedStart {
  std::vector<std::string> argv;
  int code;
  std::string message;
};

TEST(BackendTls, TlsFilesThatCannotServeAreOneLineWithTheirExitCode) {
  Certificates certificates;
  Certificates other("another CA");
  const std::string dir = certificates.dir;
  Json patch = certificates.gateway_patch();
  patch["tls"]["backends_ca"] = dir + "/missing-ca.pem";
  std::ofstream(dir + "/gateway.json") << gateway_config({"127.0.0.1:1"}, patch).dump(2);
  patch["tls"]["backends_ca"] = dir + "/gw.key";  // readable, but no certificate in it
  std::ofstream(dir + "/gateway-key-as-ca.json") << gateway_config({"127.0.0.1:1"}, patch).dump(2);
  const std::vector<FailedStart> cases = {
      {{"backend", "--tls-certificate", dir + "/gw.pem"}, 2, "--tls-certificate: wss:// needs both"},
      {{"backend", "--tls-key", dir + "/gw.key"}, 2, "--tls-key: wss:// needs both"},
      {{"backend", "--tls-certificate", dir + "/none.pem", "--tls-key", dir + "/gw.key"},
       3,
       "wsfo backend: cannot read '" + dir + "/none.pem'"},
      {{"backend", "--listen", "127.0.77.5:0", "--tls-certificate", dir + "/gw.pem", "--tls-key",
        other.dir + "/gw.key"},
       2,
       "wsfo backend: cannot start TLS: the key '" + other.dir + "/gw.key' does not match the certificate"},
      {{"gateway", "--config", dir + "/gateway.json"},
       3,
       "wsfo gateway: tls: cannot read '" + dir + "/missing-ca.pem'"},
      {{"gateway", "--config", dir + "/gateway-key-as-ca.json"},
       2,
       "wsfo gateway: cannot start TLS toward this unit's backends: cannot load the CA file '" + dir + "/gw.key'"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv{WSFO_BINARY};
    argv.insert(argv.end(), c.argv.begin(), c.argv.end());
    ChildProcess process(argv);
    auto status = process.wait_for_exit(kStep);
    ASSERT_TRUE(status) << c.message;
    EXPECT_TRUE(status->exited && status->code == c.code) << c.message << ": " << status->describe();
    const std::string log = process.read_stderr(1s);
    EXPECT_NE(log.find(c.message), std::string::npos) << log;
    if (c.argv.front() == "backend") {
      EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
    }
  }
  ChildProcess help({WSFO_BINARY, "backend", "--help"});
  std::string text;
  while (auto line = help.read_stdout_line(kStep)) text += *line + "\n";
  EXPECT_NE(text.find("--tls-certificate"), std::string::npos) << text;
  EXPECT_NE(text.find("speaks TLS 1.2/1.3 only"), std::string::npos) << text;
}

}  // namespace
}  // namespace wsfo::gateway_test
