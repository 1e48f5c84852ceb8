// The relay: cross-unit `proxy` correction with its loop guard, and the
// promise that steady-state relaying allocates nothing per message.
#include <atomic>
#include <cstdlib>
#include <new>
#include <sstream>
#include <thread>

#include "core/gateway/gateway_config.hpp"
#include "gateway/gateway_server.hpp"
#include "tests/component/gateway_harness.hpp"

// This file replaces the global operator new/delete with malloc/free; GCC
// cannot see that both sides are replaced and warns at inlined call sites.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
// Counts operator new calls made on threads that asked for it (the gateway's).
std::atomic<std::uint64_t> g_counted_allocations{0};
thread_local bool t_count_allocations = false;
}  // namespace

void* operator new(std::size_t size) {
  if (t_count_allocations) g_counted_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// Every other unaligned form too: one left to the runtime (ASan's, under
// --sanitize) would pair its allocation with this file's free().
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return ::operator new(size, tag); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace wsfo::gateway_test {
namespace {

TEST(GatewayRelay, ProxyCorrectionForwardsToTheOwningUnitOnce) {
  Backend hangzhou("hangzhou");
  Backend beijing("beijing");
  Json center_config = gateway_config({hangzhou.address()}, {{"node", "center-gw1"}, {"unit", "center"}});
  Gateway center(center_config);
  Json patch = {{"correction", "proxy"}};
  patch["units"]["center"]["gateways"] = {refused_address(), "127.0.0.1:" + std::to_string(center.port)};
  patch["units"]["unbj"]["gateways"] = {"127.0.0.1:1"};
  Json unbj_config = gateway_config({beijing.address()}, patch);
  Gateway unbj(unbj_config);

  Client client(unbj.port, "/ws", "1111");  // slot 1111 belongs to center
  EXPECT_EQ(client.response()["X-Wsfo-Unit"], "center");
  EXPECT_EQ(client.response()["X-Wsfo-Node"], "center-gw1");
  EXPECT_EQ(client.response()["X-Wsfo-Via"], "unbj/unbj-gw1");
  EXPECT_EQ(client.read_text(), "Welcome to the server!hangzhou");
  EXPECT_TRUE(client.alive("hangzhou"));
  EXPECT_EQ(backend_stats(hangzhou.port)["router_ids"]["1111"]["open"], 1);
  EXPECT_EQ(backend_stats(beijing.port)["open_connections"], 0);
  auto metrics = admin(unbj, http::verb::get, "/metrics").body;
  EXPECT_NE(metrics.find("wsfo_gateway_connections{unit=\"center\"} 1\n"), std::string::npos) << metrics;

  // A cutover on the forwarding gateway closes the forwarded connection too.
  ASSERT_EQ(
      admin(unbj, http::verb::post, "/rules/prepare",
            {{"version", 2}, {"rules", {{"version", 2}, {"ranges", {{{"from", 0}, {"to", 9999}, {"unit", "unbj"}}}}}}})
          .status,
      200);
  EXPECT_EQ(client.wait_close(2000ms), 4001);
  EXPECT_EQ(client.reason().reason, "moved from center to unbj by rules v2");

  // Loop guard: a forwarded request the receiving gateway does not own is refused, not bounced back.
  auto looped = raw_exchange(center.port, upgrade_request("/ws", "routerId: 8330\r\nX-Wsfo-Forwarded-By: unbj/x\r\n"));
  EXPECT_EQ(looped.status, 508) << looped.text;
}

// Messages larger than the relay buffer, faster than a socket takes them:
// the relay spills what the sink cannot take at once and keeps the frames
// intact and in order in both directions, while another connection goes on.
TEST(GatewayRelay, LargeMessagesCrossTheRelayUnderBackPressure) {
  Backend backend("beijing");
  Gateway gateway(gateway_config({backend.address()}, {{"limits", {{"relay_buffer_bytes", 4096}}}}));
  Client big(gateway.port, "/ws", "7000");
  Client small(gateway.port, "/ws", "7001");
  big.expect("Welcome to the server!beijing");
  small.expect("Welcome to the server!beijing");
  for (std::size_t size : {5000u, 300000u, 2000000u}) {
    std::string text(size, 'x');
    for (std::size_t i = 0; i < size; i += 997) text[i] = static_cast<char>('a' + i % 26);
    big.write(text);
    EXPECT_TRUE(small.alive("beijing"));
    big.expect(text + ":beijing");
  }
  EXPECT_TRUE(big.alive("beijing"));
}

TEST(GatewayRelay, SteadyStateRelayDoesNotAllocatePerMessage) {
  Backend backend("beijing");
  json::Problems problems;
  auto config = gateway::read_gateway_config(gateway_config({backend.address()}), problems);
  ASSERT_TRUE(config);
  std::ostringstream log;
  gateway::GatewayServer server(*config, log);
  bool config_error = false;
  ASSERT_EQ(server.start(config_error), "");
  std::thread gateway_thread([&server] {
    t_count_allocations = true;
    server.run(false);
  });
  {
    Client client(server.listen_endpoints().front().port, "/ws", "7000");
    client.expect("Welcome to the server!beijing");
    auto round_trips = [&client](int n) {
      for (int i = 0; i < n; ++i) {
        std::string text = "message " + std::to_string(i);
        client.write(text);
        client.expect(text + ":beijing");
      }
    };
    round_trips(50);  // warm-up: first-use allocations of the relay's operations
    auto before = g_counted_allocations.load();
    EXPECT_GT(before, 0u) << "the counter sees the handshake's allocations, so a zero below means something";
    round_trips(300);
    auto after = g_counted_allocations.load();
    EXPECT_EQ(after - before, 0u) << "allocations on the gateway thread during 300 relayed round trips";
  }
  server.stop();
  gateway_thread.join();
}

}  // namespace
}  // namespace wsfo::gateway_test
