// Bad peers on the handshake path: a request target with raw non-ASCII bytes
// (passed on as nginx 1.22 does), and a backend that takes the TCP connection
// but never answers the upgrade (502 after limits.handshake_timeout). Each
// with a relayed bystander that keeps echoing. Addresses: 127.81.0.0/16.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "tests/component/gateway_harness.hpp"

namespace wsfo::gateway_test {
namespace {

Json peers_config(const std::string& gateway_host, const std::vector<Json>& routes, const Json& limits) {
  Json config = gateway_config({}, {{"listen", {gateway_host + ":0"}}, {"admin", {{"listen", gateway_host + ":0"}}}});
  config["routes"] = routes;
  config["limits"].merge_patch(limits);
  return config;
}

TEST(GatewayHandshakePeers, NonAsciiTargetIsPassedOnLikeNginx) {
  Backend backend("beijing", "0s", "127.81.1.2");
  Gateway gateway(peers_config("127.81.1.1", {{{"prefix", "/"}, {"backends", {backend.address()}}}}, Json::object()));
  Client bystander(gateway.port, "/ws", "7000", gateway.host);
  bystander.expect("Welcome to the server!beijing");

  // Raw UTF-8 in the path: relayed to the backend unchanged.
  Client utf8(gateway.port, "/ws/caf\xc3\xa9/\xe5\x8d\x95\xe5\x85\x83", "7001", gateway.host);
  EXPECT_EQ(utf8.response()["X-Wsfo-Unit"], "unbj");
  EXPECT_EQ(utf8.read_text(), "Welcome to the server!beijing");
  EXPECT_TRUE(utf8.alive("beijing"));
  EXPECT_EQ(backend_stats(backend.port, backend.host)["open_connections"], 2);

  // Bytes that are not UTF-8 at all are octets like any other for the gateway.
  auto latin1 = raw_exchange(gateway.port, upgrade_request("/ws/caf\xe9", "routerId: 7002\r\n"), 500ms, gateway.host);
  EXPECT_EQ(latin1.status, 101) << latin1.text;
  // The backend announces it to everyone, the odd byte percent-encoded (raw,
  // it would not be UTF-8 and would fail every client's connection).
  bystander.expect("beijing new connection: /ws/caf%E9");

  // A redirect keeps the bytes in Location.
  auto moved = raw_exchange(gateway.port, upgrade_request("/ws/caf\xc3\xa9?routerId=1111"), 3000ms, gateway.host);
  EXPECT_EQ(moved.status, 302) << moved.text;
  EXPECT_EQ(moved.header("Location"), "ws://center.websocket.msha.tech:8080/ws/caf\xc3\xa9?routerId=1111");

  // Control characters and DEL are not allowed in a target: 400.
  auto control = raw_exchange(gateway.port, upgrade_request("/ws/a\x7f" "b", "routerId: 7003\r\n"), 3000ms,
                              gateway.host);
  EXPECT_EQ(control.status, 400) << control.text;

  EXPECT_TRUE(bystander.alive("beijing"));
  EXPECT_FALSE(gateway.process().try_wait()) << gateway.log();
}

// A listening socket nobody reads: the kernel completes the gateway's TCP
// connect, and the upgrade request is never answered.
class SilentBackend {
 public:
  explicit SilentBackend(const std::string& host) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error(std::string("silent backend: ") + std::strerror(errno));
    endpoint = host + ":" + std::to_string(ntohs(address.sin_port));
  }
  ~SilentBackend() { ::close(fd_); }
  SilentBackend(const SilentBackend&) = delete;
  SilentBackend& operator=(const SilentBackend&) = delete;
  std::string endpoint;

 private:
  int fd_;
};

TEST(GatewayHandshakePeers, BackendThatNeverAnswersTheUpgradeGets502AfterTheTimeout) {
  Backend backend("beijing", "0s", "127.81.1.2");
  SilentBackend silent("127.81.1.3");
  Gateway gateway(peers_config("127.81.1.1",
                               {{{"prefix", "/"}, {"backends", {backend.address()}}},
                                {{"prefix", "/silent"}, {"backends", {silent.endpoint}}}},
                               {{"handshake_timeout", "400ms"}}));
  Client bystander(gateway.port, "/ws", "7000", gateway.host);
  bystander.expect("Welcome to the server!beijing");

  auto started = std::chrono::steady_clock::now();
  auto answer = raw_exchange(gateway.port, upgrade_request("/silent/ws", "routerId: 7001\r\n"), 3000ms, gateway.host);
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(answer.status, 502) << answer.text;
  EXPECT_NE(answer.body().find("upstream backend failed during the handshake: Connection timed out"),
            std::string::npos)
      << answer.body();
  EXPECT_GE(waited, 400ms);
  EXPECT_LT(waited, 2000ms);
  EXPECT_TRUE(bystander.alive("beijing"));

  // Again: the same answer after the same wait, and the gateway counts both.
  auto again = raw_exchange(gateway.port, upgrade_request("/silent/ws", "routerId: 7002\r\n"), 3000ms, gateway.host);
  EXPECT_EQ(again.status, 502) << again.text;
  auto metrics = admin(gateway, http::verb::get, "/metrics").body;
  EXPECT_NE(metrics.find("wsfo_gateway_handshakes_total{outcome=\"rejected\",reason=\"no_backend\"} 2\n"),
            std::string::npos)
      << metrics;
  EXPECT_TRUE(bystander.alive("beijing"));
  EXPECT_FALSE(gateway.process().try_wait()) << gateway.log();
}

}  // namespace
}  // namespace wsfo::gateway_test
