// `wsfo clients` dialing wss://: TLS over the client's socket with SNI and
// verification against --ca-file, against in-test TLS servers on 127.93.x
// (tls_websocket_server.hpp). A verification failure is its own rejection
// (`certificate_error`) and the client never opens; a redirect from one wss
// server to another is followed over TLS; a clean close ends the TLS session
// with a close_notify.
#include <algorithm>

#include "tests/component/clients_test_support.hpp"
#include "tests/component/tls_websocket_server.hpp"

namespace wsfo::clients_test {
namespace {

// Every listening address of this file is in 127.93.0.0/24.
const std::string kBackendIp = "127.93.0.1";
const std::string kRouterIp = "127.93.0.2";
const std::string kCenterIp = "127.93.0.3";

std::filesystem::path test_dir() {
  auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::path(::testing::TempDir()) /
         ("clients-tls-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
}

// One client for 1.5 s; its events, checked against the schema.
Run run_one(const std::string& url, const std::vector<std::string>& resolve, std::vector<std::string> more = {}) {
  std::vector<std::string> flags{"--url",       url,           "--router-ids", "7",   "--duration", "1500ms",
                                 "--reconnect", "fixed:300ms", "--source-net", "none"};
  for (const auto& entry : resolve) flags.insert(flags.end(), {"--resolve", entry});
  flags.insert(flags.end(), more.begin(), more.end());
  return run_clients(flags);
}

std::string reason_of(const Event& event) { return event.fields["reason"].get<std::string>(); }

class ClientsTls : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_ = test_dir();
  TestAuthority ca_{dir_};
};

TEST_F(ClientsTls, AWssClientConnectsExchangesMessagesAndClosesWithCloseNotify) {
  TlsServer server(kBackendIp, ca_.server_context("backend", {"wss.test"}), tls_backend("hangzhou"));
  std::string url = "wss://wss.test:" + std::to_string(server.port) + "/ws";
  auto run = run_one(url, {"wss.test=" + server.address()}, {"--ca-file", ca_.ca_file()});
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  EXPECT_TRUE(of(run.events, "rejected", 7).empty());
  auto connected = of(run.events, "connected", 7);
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_EQ(connected[0].fields["url"], url);
  EXPECT_EQ(connected[0].fields["backend"], "hangzhou") << "the welcome text came through TLS";
  auto disconnected = of(run.events, "disconnected", 7);
  ASSERT_EQ(disconnected.size(), 1u);
  EXPECT_EQ(disconnected[0].fields["cause"], "shutdown");
  EXPECT_EQ(disconnected[0].fields["code"], 1000);
  // The server's side: SNI named the url's host, the client's first message
  // arrived, and the client ended the TLS session properly.
  EXPECT_EQ(server.server_names(), std::vector<std::string>{"wss.test"});
  auto messages = server.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_FALSE(messages[0].empty());
  EXPECT_TRUE(std::all_of(messages[0].begin(), messages[0].end(), [](char c) { return c >= '0' && c <= '9'; }))
      << "the client's Date.now(): " << messages[0];
  EXPECT_EQ(server.close_notifies(), 1);
}

// An IP literal gets no SNI (RFC 6066) and is verified against the
// certificate's IP address.
TEST_F(ClientsTls, AnIpLiteralIsVerifiedWithoutSni) {
  TlsServer server(kBackendIp, ca_.server_context("backend", {"wss.test", kBackendIp}), tls_backend("ip"));
  auto run = run_one("wss://" + server.address() + "/", {}, {"--ca-file", ca_.ca_file()});
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  EXPECT_EQ(of(run.events, "connected", 7).size(), 1u);
  EXPECT_TRUE(of(run.events, "rejected", 7).empty());
  EXPECT_EQ(server.server_names(), std::vector<std::string>{""});
}

TEST_F(ClientsTls, AServerOfAnotherCaIsACertificateErrorAndNeverConnects) {
  TestAuthority stranger(dir_ / "stranger", "another CA");
  TlsServer server(kBackendIp, stranger.server_context("backend", {"wss.test"}), tls_backend("never"));
  auto run = run_one("wss://wss.test:" + std::to_string(server.port) + "/", {"wss.test=" + server.address()},
                     {"--ca-file", ca_.ca_file()});
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  EXPECT_TRUE(of(run.events, "connected", 7).empty());
  auto rejected = of(run.events, "rejected", 7);
  ASSERT_GE(rejected.size(), 2u) << "it keeps retrying";
  for (const auto& r : rejected) {
    EXPECT_EQ(r.fields["error"], "certificate_error");
    EXPECT_NE(reason_of(r).find("certificate verify failed"), std::string::npos) << reason_of(r);
    EXPECT_NE(reason_of(r).find(server.address()), std::string::npos) << reason_of(r);
  }
  EXPECT_EQ(server.handshakes(), 0);
}

TEST_F(ClientsTls, ANameTheCertificateDoesNotCarryIsAHostnameMismatch) {
  TlsServer server(kBackendIp, ca_.server_context("backend", {"wss.test"}), tls_backend("never"));
  auto run = run_one("wss://other.test:" + std::to_string(server.port) + "/", {"other.test=" + server.address()},
                     {"--ca-file", ca_.ca_file()});
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  EXPECT_TRUE(of(run.events, "connected", 7).empty());
  auto rejected = of(run.events, "rejected", 7);
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].fields["error"], "certificate_error");
  EXPECT_NE(reason_of(rejected[0]).find("hostname mismatch"), std::string::npos) << reason_of(rejected[0]);
  EXPECT_EQ(server.handshakes(), 0);
  auto names = server.server_names();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "other.test") << "SNI carries the name dialed";

  // Without verification the same server is accepted.
  auto lenient = run_one("wss://other.test:" + std::to_string(server.port) + "/", {"other.test=" + server.address()},
                         {"--ca-file", ca_.ca_file(), "--tls-no-verify"});
  ASSERT_TRUE(lenient.status.exited && lenient.status.code == 0) << lenient.status.describe();
  EXPECT_EQ(of(lenient.events, "connected", 7).size(), 1u);
}

TEST_F(ClientsTls, ARedirectToAnotherWssUrlIsFollowedOverTls) {
  TlsServer center(kCenterIp, ca_.server_context("center", {"center.wss.test"}), tls_backend("center"));
  std::string target = "wss://center.wss.test:" + std::to_string(center.port) + "/unit";
  TlsServer router(kRouterIp, ca_.server_context("router", {"wss.test"}), tls_redirect(target));
  std::string url = "wss://wss.test:" + std::to_string(router.port) + "/";
  auto run = run_one(url, {"wss.test=" + router.address(), "center.wss.test=" + center.address()},
                     {"--ca-file", ca_.ca_file()});
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto redirects = of(run.events, "redirect", 7);
  ASSERT_EQ(redirects.size(), 1u);
  EXPECT_EQ(redirects[0].fields["from"], url);
  EXPECT_EQ(redirects[0].fields["to"], target);
  auto connected = of(run.events, "connected", 7);
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_EQ(connected[0].fields["url"], target);
  EXPECT_EQ(connected[0].fields["backend"], "center");
  EXPECT_EQ(connected[0].fields["redirects"], 1);
  EXPECT_EQ(router.server_names(), std::vector<std::string>{"wss.test"});
  EXPECT_EQ(center.server_names(), std::vector<std::string>{"center.wss.test"});
}

// A peer that answers the close frame but never ends the TLS session holds
// the client at most --close-timeout: it reconnects after each planned close.
TEST_F(ClientsTls, APeerThatNeverAnswersCloseNotifyDoesNotHoldTheClient) {
  std::atomic<bool> stopping{false};
  TlsServer server(kBackendIp, ca_.server_context("backend", {"wss.test"}), tls_silent_after_close(stopping));
  auto run =
      run_one("wss://wss.test:" + std::to_string(server.port) + "/", {"wss.test=" + server.address()},
              {"--ca-file", ca_.ca_file(), "--close-after", "100ms", "--close-timeout", "200ms", "--no-first-message"});
  stopping = true;
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  auto connected = of(run.events, "connected", 7);
  // 1.5 s of 100 ms sessions, a close_notify wait of at most 200 ms and a 300 ms reconnect delay.
  EXPECT_GE(connected.size(), 2u) << "each close waited at most 200 ms for close_notify";
  auto disconnected = of(run.events, "disconnected", 7);
  ASSERT_FALSE(disconnected.empty());
  EXPECT_EQ(disconnected[0].fields["cause"], "client_close");
  EXPECT_EQ(disconnected[0].fields["code"], 1000);
}

// The test-only legacy offer (TLS 1.0/1.1) against a server that requires
// 1.2: a TLS failure, not a certificate one, on both sides.
TEST_F(ClientsTls, OfferingOnlyLegacyVersionsIsATlsFailure) {
  TlsServer server(kBackendIp, ca_.server_context("backend", {"wss.test"}), tls_backend("never"));
  auto run = run_one("wss://wss.test:" + std::to_string(server.port) + "/", {"wss.test=" + server.address()},
                     {"--ca-file", ca_.ca_file(), "--tls-offer-legacy"});
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe();
  EXPECT_TRUE(of(run.events, "connected", 7).empty());
  auto rejected = of(run.events, "rejected", 7);
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].fields["error"], "tls_failed");
  EXPECT_NE(reason_of(rejected[0]).find("tls handshake with " + server.address()), std::string::npos)
      << reason_of(rejected[0]);
  EXPECT_EQ(server.handshakes(), 0);
  EXPECT_FALSE(server.handshake_failures().empty());
}

TEST_F(ClientsTls, AnUnreadableOrMalformedCaFileIsRefusedBeforeAnyClientStarts) {
  auto missing = run_clients({"--url", "wss://wss.test/", "--router-ids", "1", "--ca-file",
                              (dir_ / "missing.pem").string(), "--duration", "1s"});
  EXPECT_TRUE(missing.status.exited && missing.status.code == 3) << missing.status.describe();
  auto garbage = dir_ / "garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  auto malformed =
      run_clients({"--url", "wss://wss.test/", "--router-ids", "1", "--ca-file", garbage.string(), "--duration", "1s"});
  EXPECT_TRUE(malformed.status.exited && malformed.status.code == 2) << malformed.status.describe();
  EXPECT_TRUE(malformed.events.empty());
}

}  // namespace
}  // namespace wsfo::clients_test
