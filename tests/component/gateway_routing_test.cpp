// `wsfo gateway` as a real process: routing matrix, proxying, failover,
// idle timeout, bad handshakes, metrics (issue 3, item 8).
#include <thread>

#include "gateway/admin_client.hpp"
#include "tests/component/gateway_harness.hpp"

namespace wsfo::gateway_test {
namespace {

TEST(GatewayRouting, SeedCaseAndTheRoutingMatrix) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}));
  // The seed's case: routerId 1111 reaches the unbj gateway and is sent to center.
  auto seed = raw_exchange(gateway.port, upgrade_request("/ws?room=7", "routerId: 1111\r\n"));
  EXPECT_EQ(seed.status, 302) << seed.text;
  EXPECT_EQ(seed.text.substr(0, seed.text.find("\r\n")), "HTTP/1.1 302 Found") << seed.text;
  EXPECT_EQ(seed.header("Location"), "ws://center.websocket.msha.tech:8080/ws?room=7");
  EXPECT_EQ(seed.header("X-Wsfo-Unit"), "unbj");
  // routerId in the query: the Location keeps it.
  auto query = raw_exchange(gateway.port, upgrade_request("/chat/x?routerId=1111&a=b"));
  EXPECT_EQ(query.header("Location"), "ws://center.websocket.msha.tech:8080/chat/x?routerId=1111&a=b");

  struct Case {
    std::string name;
    std::string request;
    int status;
    std::string body_contains;
    std::string header = {};
    std::string header_value = {};
  };
  const std::vector<Case> cases = {
      {"malformed routerId", upgrade_request("/ws", "routerId: 12a4\r\n"), 400, "'a' at position 2"},
      {"not an upgrade", "GET /ws HTTP/1.1\r\nHost: h\r\n\r\n", 426, "WebSocket", "Upgrade", "websocket"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = raw_exchange(gateway.port, c.request);
    EXPECT_EQ(r.status, c.status) << r.text;
    EXPECT_NE(r.body().find(c.body_contains), std::string::npos) << r.text;
    if (!c.header.empty()) {
      EXPECT_EQ(r.header(c.header), c.header_value);
    }
  }

  // Own slot and missing routerId (policy local) are proxied, with the unit headers.
  Client own(gateway.port, "/ws", "8330");
  EXPECT_EQ(own.response()["X-Wsfo-Unit"], "unbj");
  EXPECT_EQ(own.response()["X-Wsfo-Node"], "unbj-gw1");
  EXPECT_EQ(own.response()["X-Wsfo-Backend"], "beijing");
  EXPECT_EQ(own.read_text(), "Welcome to the server!beijing");
  Client anonymous(gateway.port, "/ws");
  EXPECT_EQ(anonymous.read_text(), "Welcome to the server!beijing");
  // The backend saw the forwarded headers.
  Json stats = backend_stats(backend.port);
  EXPECT_EQ(stats["router_ids"]["8330"]["open"], 1);
  EXPECT_EQ(stats["nodes"]["unbj-gw1"]["open"], 2);

  // A pending prepare fences the slots it moves.
  ASSERT_EQ(admin(gateway, http::verb::post, "/rules/prepare", {{"version", 2}, {"rules", rules_json(2, 8400)}}).status,
            200);
  auto fenced = raw_exchange(gateway.port, upgrade_request("/ws", "routerId: 8330\r\n"));
  EXPECT_EQ(fenced.status, 503) << fenced.text;
  EXPECT_EQ(fenced.header("Retry-After"), "1");
  EXPECT_NE(fenced.body().find("from unbj to center"), std::string::npos) << fenced.text;
  ASSERT_EQ(admin(gateway, http::verb::post, "/rules/commit", {{"version", 2}}).status, 200);
  auto moved = raw_exchange(gateway.port, upgrade_request("/ws", "routerId: 8330\r\n"));
  EXPECT_EQ(moved.status, 302);
  EXPECT_EQ(moved.header("Location"), "ws://center.websocket.msha.tech:8080/ws");
}

TEST(GatewayRouting, MissingRouterIdPolicyReject) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}, {{"router_id", {{"missing", "reject"}}}}));
  auto r = raw_exchange(gateway.port, upgrade_request("/ws"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body().find("routerId is missing"), std::string::npos) << r.text;
}

TEST(GatewayProxy, EchoAndBroadcastEndToEnd) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}));
  Client first(gateway.port, "/first", "6249");
  first.expect("beijing new connection: /first");
  first.write("hello");
  first.expect("hello:beijing");
  Client second(gateway.port, "/second", "8330");
  second.expect("beijing new connection: /second");
  first.expect("beijing new connection: /second");  // broadcast reaches the other client through the gateway
  std::string big(200000, 'x');                     // larger than the relay buffer
  second.write(big);
  second.expect(big + ":beijing");
  // The client closes with a code; the backend's reply passes back.
  first.write("bye");
  first.expect("bye:beijing");
}

TEST(GatewayProxy, FailsOverToTheNextBackendAnd502WhenNoneAnswers) {
  Backend backend("beijing");
  std::string dead = refused_address();
  Gateway gateway(gateway_config({dead, backend.address()}, {{"limits", {{"fail_timeout", "30s"}}}}));
  for (int i = 0; i < 4; ++i) {
    Client c(gateway.port, "/ws", std::to_string(6000 + i));
    EXPECT_EQ(c.read_text(), "Welcome to the server!beijing");
  }
  EXPECT_NE(gateway.log().find("upstream " + dead + " failed"), std::string::npos) << gateway.log();
  // Marked down: tried once, not once per connection.
  std::string log = gateway.log();
  std::size_t failures = 0;
  for (auto at = log.find("upstream " + dead); at != std::string::npos; at = log.find("upstream " + dead, at + 1))
    ++failures;
  EXPECT_EQ(failures, 1u) << log;
  // Health reports what the cutover pre-checks need: backends not marked down, the configured limit.
  auto health = admin(gateway, http::verb::get, "/health").json();
  EXPECT_EQ(health["live_backends"], 1) << health.dump();
  EXPECT_EQ(health["max_connections"], 10000) << health.dump();
  // ... and the cutover workflow's HTTP port reads them.
  cutover::GatewayStatus status = gateway::HttpGatewayAdmin(gateway.token)
                                      .status({"unbj-gw1", "unbj", "127.0.0.1:" + std::to_string(gateway.admin_port)});
  EXPECT_TRUE(status.reachable) << status.error;
  EXPECT_TRUE(status.serving);
  EXPECT_EQ(status.live_backends, 1u);
  EXPECT_EQ(status.max_connections, 10000u);

  std::string first = refused_address(), second = refused_address();
  Gateway nowhere(gateway_config({first, second}));
  auto r = raw_exchange(nowhere.port, upgrade_request("/ws", "routerId: 6000\r\n"));
  EXPECT_EQ(r.status, 502) << r.text;
  // The reason phrase and the body core/gateway/answers spells, naming each backend tried.
  EXPECT_EQ(r.text.substr(0, r.text.find("\r\n")), "HTTP/1.1 502 Bad Gateway") << r.text;
  EXPECT_EQ(r.body(), "no backend answered: " + first + " (Connection refused), " + second + " (Connection refused)\n")
      << r.text;
  EXPECT_EQ(admin(nowhere, http::verb::get, "/health").json()["live_backends"], 0);
}

TEST(GatewayProxy, APathNoRouteMatchesIs404NamingTheWholeTarget) {
  Json routes = Json::array({{{"prefix", "/chat"}, {"backends", {refused_address()}}}});
  Gateway gateway(gateway_config({refused_address()}, {{"routes", routes}}));
  auto r = raw_exchange(gateway.port, upgrade_request("/ws?routerId=6000"));
  EXPECT_EQ(r.status, 404) << r.text;
  EXPECT_EQ(r.text.substr(0, r.text.find("\r\n")), "HTTP/1.1 404 Not Found") << r.text;
  EXPECT_EQ(r.body(), "no route for path '/ws?routerId=6000'\n") << r.text;
}

TEST(GatewayProxy, IdleTimeoutClosesSilentConnectionsButNotHeartbeats) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}, {{"limits", {{"idle_timeout", "500ms"}}}}));
  Client silent(gateway.port, "/ws", "6000");
  Client beating(gateway.port, "/ws", "6001");
  silent.expect("Welcome to the server!beijing");
  beating.expect("Welcome to the server!beijing");
  auto start = std::chrono::steady_clock::now();
  std::thread heartbeat([&beating] {
    for (int i = 0; i < 8; ++i) {  // 1.2 s of pings every 150 ms; the pongs wait unread until alive() below
      beating.ping();
      std::this_thread::sleep_for(150ms);
    }
  });
  int code = silent.wait_close(2000ms);
  auto closed_after = std::chrono::steady_clock::now() - start;
  heartbeat.join();
  EXPECT_EQ(code, 1001);
  EXPECT_EQ(silent.reason().reason, "idle timeout");
  EXPECT_GE(closed_after, 450ms);
  EXPECT_LE(closed_after, 1500ms);
  EXPECT_TRUE(beating.alive("beijing"));
}

TEST(GatewayHandshake, BadHandshakesAreAnsweredAndOthersStayUntouched) {
  Backend backend("beijing");
  Gateway gateway(
      gateway_config({backend.address()}, {{"limits", {{"max_header_bytes", 1024}, {"handshake_timeout", "400ms"}}}}));
  Client bystander(gateway.port, "/ws", "7000");
  bystander.expect("Welcome to the server!beijing");
  const std::string ok_headers =
      "Host: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  struct Case {
    std::string name;
    std::string request;
    int status;
  };
  const std::vector<Case> cases = {
      {"plain GET", "GET /ws HTTP/1.1\r\nHost: h\r\n\r\n", 426},
      {"upgrade to h2c", "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", 426},
      {"Upgrade without Connection", "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n", 426},
      {"POST", "POST /ws HTTP/1.1\r\n" + ok_headers + "\r\n", 405},
      {"HTTP/1.0", "GET /ws HTTP/1.0\r\n" + ok_headers + "\r\n", 400},
      {"no Host",
       "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
       400},
      {"two Hosts", "GET /ws HTTP/1.1\r\nHost: a\r\n" + ok_headers + "\r\n", 400},
      {"version 8",
       "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
       426},
      {"no key",
       "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Version: 13\r\n\r\n",
       400},
      {"short key",
       "GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
       "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: abc\r\n\r\n",
       400},
      {"absolute target", "GET http://h/ws HTTP/1.1\r\n" + ok_headers + "\r\n", 400},
      {"empty routerId", upgrade_request("/ws", "routerId: \r\n"), 400},
      {"signed routerId", upgrade_request("/ws?routerId=+5"), 400},
      {"routerId with space", upgrade_request("/ws?routerId=1%202"), 400},
      {"letters in routerId", upgrade_request("/ws", "Cookie: routerId=abc\r\n"), 400},
      {"overflowing routerId", upgrade_request("/ws", "routerId: 9223372036854775808\r\n"), 400},
      {"conflicting routerIds", upgrade_request("/ws", "routerId: 1\r\nrouterId: 2\r\n"), 400},
      {"header too large", upgrade_request("/ws", "X-Pad: " + std::string(2000, 'p') + "\r\n"), 431},
      {"garbage", "HELLO THERE\r\n\r\n", 400},
      {"bad header line", "GET /ws HTTP/1.1\r\nHost h\r\n\r\n", 400},
      {"request with a body", "GET /ws HTTP/1.1\r\n" + ok_headers + "Content-Length: 5\r\n\r\nhello", 400},
      {"incomplete head (timeout)", "GET /ws HTTP/1.1\r\nHost: h\r\n", 408},
      {"other unit", upgrade_request("/ws", "routerId: 42\r\n"), 302},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = raw_exchange(gateway.port, c.request);
    EXPECT_EQ(r.status, c.status) << r.text;
    EXPECT_FALSE(r.body().empty()) << r.text;
  }
  EXPECT_GE(cases.size(), 20u);
  EXPECT_TRUE(bystander.alive("beijing"));
  Json stats = backend_stats(backend.port);
  EXPECT_EQ(stats["open_connections"], 1);
}

TEST(GatewayMetrics, CountsConnectionsHandshakesClosesAndBytes) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}));
  {
    Client a(gateway.port, "/ws", "6000");
    a.expect("Welcome to the server!beijing");
    Client b(gateway.port, "/ws", "7000");
    b.expect("Welcome to the server!beijing");
    raw_exchange(gateway.port, upgrade_request("/ws", "routerId: 1111\r\n"));
    raw_exchange(gateway.port, upgrade_request("/ws", "routerId: x\r\n"));
    auto text = admin(gateway, http::verb::get, "/metrics").body;
    for (const char* line :
         {"wsfo_gateway_connections{unit=\"unbj\"} 2\n", "wsfo_gateway_handshakes_total{outcome=\"proxied\"} 2\n",
          "wsfo_gateway_handshakes_total{outcome=\"redirected\"} 1\n",
          "wsfo_gateway_handshakes_total{outcome=\"rejected\",reason=\"malformed_router_id\"} 1\n",
          "wsfo_gateway_rules_version 1\n", "wsfo_gateway_info{node=\"unbj-gw1\",unit=\"unbj\"} 1\n"})
      EXPECT_NE(text.find(line), std::string::npos) << line << text;
    a.write("x");
    a.expect("x:beijing");
  }  // both clients go away without a close handshake
  std::this_thread::sleep_for(300ms);
  auto text = admin(gateway, http::verb::get, "/metrics").body;
  EXPECT_NE(text.find("wsfo_gateway_connections{unit=\"unbj\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("wsfo_gateway_closes_total{code=\"1006\"} 2\n"), std::string::npos) << text;
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(text, m, std::regex(R"(wsfo_gateway_bytes_total\{direction="client_to_backend"\} (\d+))")));
  EXPECT_GT(std::stoll(m[1]), 0);
  ASSERT_TRUE(
      std::regex_search(text, m, std::regex(R"(wsfo_gateway_bytes_total\{direction="backend_to_client"\} (\d+))")));
  EXPECT_GT(std::stoll(m[1]), 60);
}

}  // namespace
}  // namespace wsfo::gateway_test

namespace wsfo::gateway_test {
namespace {

TEST(GatewayRouting, TooManyConnectionsAnswer503ButRedirectsStillWork) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}, {{"limits", {{"max_connections", 1}, {"retry_after", "2s"}}}}));
  Client first(gateway.port, "/ws", "7000");
  first.expect("Welcome to the server!beijing");
  auto full = raw_exchange(gateway.port, upgrade_request("/ws", "routerId: 7001\r\n"));
  EXPECT_EQ(full.status, 503) << full.text;
  EXPECT_EQ(full.header("Retry-After"), "2");
  EXPECT_NE(full.body().find("too many connections"), std::string::npos) << full.text;
  EXPECT_EQ(raw_exchange(gateway.port, upgrade_request("/ws", "routerId: 1111\r\n")).status, 302);
  EXPECT_TRUE(first.alive("beijing"));
  auto health = admin(gateway, http::verb::get, "/health").json();
  EXPECT_EQ(health["max_connections"], 1) << health.dump();
  EXPECT_EQ(health["connections"], 1) << health.dump();
}

}  // namespace
}  // namespace wsfo::gateway_test
