// The relay's frame rules, seen from raw sockets on both ends: a client that
// writes crafted frames gets the gateway's own close frame (1002 protocol
// error, 1009 message too big), the backend never sees the offending frame
// and gets a 1001, and wsfo_gateway_closes_total counts each close. Also the
// bad peers of the relay: bytes pipelined behind the request head, and a
// backend that sends garbage after its 101. A bystander on a real backend
// keeps echoing through the same gateway. Loopback block 127.82.0.0/16.
#include <thread>

#include "tests/component/gateway_harness.hpp"
#include "tests/component/raw_peers.hpp"

namespace wsfo::gateway_test {
namespace {

using raw_peers::close_payload;
using raw_peers::frame;
using raw_peers::RawBackend;
using raw_peers::RawClient;

const std::string kHost = "127.82.0.1";
constexpr std::uint64_t kMaxMessage = 1000;

// "/" goes to the raw backend, "/echo" to a real `wsfo backend`.
Json frames_config(const std::string& raw_backend, const Backend& echo) {
  Json config = gateway_config({raw_backend}, {{"listen", {kHost + ":0"}},
                                               {"admin", {{"listen", kHost + ":0"}}},
                                               {"limits", {{"max_message_bytes", kMaxMessage}}}});
  config["routes"].push_back({{"prefix", "/echo"}, {"backends", {echo.address()}}});
  return config;
}

std::uint64_t closes(const Gateway& gateway, int code) {
  std::string text = admin(gateway, http::verb::get, "/metrics").body;
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("wsfo_gateway_closes_total\\{code=\"" + std::to_string(code) +
                                             "\"\\} (\\d+)\n")))
    return 0;
  return std::stoull(m[1]);
}

// Connections finish once both close handshakes are done (or the close timeout passes).
bool closes_reach(const Gateway& gateway, int code, std::uint64_t expected) {
  for (int i = 0; i < 300; ++i) {
    if (closes(gateway, code) == expected) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

bool received_close(const std::shared_ptr<RawBackend::Connection>& connection, int code,
                    const std::string& reason_start) {
  for (int i = 0; i < 300; ++i) {
    std::string bytes = connection->received();
    while (auto f = raw_peers::take_frame(bytes))
      if (f->opcode() == 8) return f->close_code() == code && f->close_reason().starts_with(reason_start);
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::string request(int router_id, const std::string& extra = "") {
  return upgrade_request("/ws", "routerId: " + std::to_string(router_id) + "\r\n" + extra);
}

struct Fixture {
  Backend echo{"beijing", "0s", "127.82.0.3"};
  RawBackend raw;
  Gateway gateway;
  Client bystander;
  explicit Fixture(std::string extensions = "", std::string garbage = "",
                   bool with_101 = false)
      : raw("127.82.0.2", std::move(extensions), std::move(garbage), with_101),
        gateway(frames_config(raw.address, echo)),
        bystander(gateway.port, "/echo", "7000", kHost) {
    bystander.expect("Welcome to the server!beijing");
  }
};

TEST(GatewayFrames, EachBrokenClientFrameClosesWith1002AndNeverReachesTheBackend) {
  Fixture f;
  struct Case {
    std::string name;
    std::string before;  // well-formed frames sent first
    std::string bad;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"unmasked", "", frame(0x81, "plain", false), "unmasked frame from the client"},
      {"fragmented ping", "", frame(0x09, "p"), "fragmented control frame"},
      {"long ping", "", frame(0x89, std::string(126, 'p')), "control frame longer than 125 bytes"},
      {"opcode 3", "", frame(0x83, "x"), "unknown opcode 3"},
      {"opcode 11", "", frame(0x8b, "x"), "unknown opcode 11"},
      {"RSV1 without deflate", "", frame(0xc1, "x"), "reserved bit RSV1 set without a negotiated extension"},
      {"RSV3", "", frame(0x91, "x"), "reserved bit RSV3 set without a negotiated extension"},
      {"lone continuation", frame(0x81, "whole"), frame(0x80, "tail"), "continuation frame with no message started"},
      {"text inside a fragmented message", frame(0x01, "part"), frame(0x81, "new"),
       "new data frame while a fragmented message is unfinished"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.name);
    RawClient client(kHost, f.gateway.port, request(7100 + static_cast<int>(i)));
    ASSERT_EQ(client.status, 101) << client.head;
    client.send(c.before + c.bad + frame(0x81, "after"));
    auto close = client.read_close();
    ASSERT_TRUE(close);
    EXPECT_EQ(close->close_code(), 1002);
    EXPECT_EQ(close->close_reason(), c.reason);
    auto backend_side = f.raw.connection(i);
    EXPECT_TRUE(received_close(backend_side, 1001, "client broke the protocol: " + c.reason));
    std::string received = backend_side->received();
    EXPECT_TRUE(received.starts_with(c.before)) << "frames before the bad one are relayed";
    EXPECT_EQ(received.find(c.bad), std::string::npos) << "the bad frame is not";
    EXPECT_TRUE(closes_reach(f.gateway, 1002, i + 1));
  }
  EXPECT_TRUE(f.bystander.alive("beijing"));
}

TEST(GatewayFrames, AMessageOverTheLimitClosesWith1009FragmentsCounted) {
  Fixture f;
  RawClient whole(kHost, f.gateway.port, request(7200));
  whole.send(frame(0x82, std::string(kMaxMessage, 'a')));  // at the limit: relayed
  const std::string too_big = frame(0x82, std::string(kMaxMessage + 1, 'b'));
  whole.send(too_big);
  auto close = whole.read_close();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->close_code(), 1009);
  EXPECT_EQ(close->close_reason(), "message over 1000 bytes");
  EXPECT_TRUE(received_close(f.raw.connection(0), 1001, "client broke the protocol: message over"));
  EXPECT_EQ(f.raw.connection(0)->received().find(too_big.substr(0, 8)), std::string::npos);
  EXPECT_TRUE(closes_reach(f.gateway, 1009, 1));

  RawClient fragmented(kHost, f.gateway.port, request(7201));
  const std::string first = frame(0x01, std::string(600, 'c'));
  fragmented.send(first + frame(0x89, "ping between fragments") + frame(0x80, std::string(401, 'd')));
  close = fragmented.read_close();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->close_code(), 1009);
  EXPECT_TRUE(received_close(f.raw.connection(1), 1001, "client broke the protocol: message over"));
  EXPECT_TRUE(f.raw.connection(1)->received().starts_with(first));
  EXPECT_TRUE(closes_reach(f.gateway, 1009, 2));
  EXPECT_TRUE(f.bystander.alive("beijing"));
}

TEST(GatewayFrames, Rsv1PassesWhenTheBackendNegotiatedPermessageDeflate) {
  Fixture f("permessage-deflate; client_no_context_takeover");
  RawClient client(kHost, f.gateway.port, request(7300, "Sec-WebSocket-Extensions: permessage-deflate\r\n"));
  ASSERT_EQ(client.status, 101);
  const std::string compressed = frame(0xc1, "\xf2\x48\xcd\xc9\xc9\x07\x00");
  client.send(compressed);
  for (int i = 0; i < 300 && f.raw.connection(0)->received() != compressed; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(f.raw.connection(0)->received(), compressed);
  client.send(frame(0xc0, "x"));  // RSV1 on a continuation: still a protocol error
  auto close = client.read_close();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->close_code(), 1002);
  EXPECT_TRUE(closes_reach(f.gateway, 1002, 1));
  EXPECT_TRUE(f.bystander.alive("beijing"));
}

// A frame written together with the request head waits in the gateway until
// the backend's 101, then reaches it intact, before what the client sends later.
TEST(GatewayFrames, BytesPipelinedBehindTheRequestHeadReachTheBackendAfterTheUpgrade) {
  Fixture f;
  const std::string pipelined = frame(0x81, "sent with the head") + frame(0x89, "and a ping");
  RawClient client(kHost, f.gateway.port, request(7400), pipelined);
  ASSERT_EQ(client.status, 101) << client.head;
  const std::string later = frame(0x82, std::string(900, 'z'));
  client.send(later);
  auto connection = f.raw.connection(0);
  for (int i = 0; i < 300 && connection->received().size() < pipelined.size() + later.size(); ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(connection->received(), pipelined + later);
  std::lock_guard lock(connection->mutex);
  EXPECT_EQ(connection->with_head, "") << "nothing reaches the backend before its 101";

  // Through a real backend: the pipelined message is echoed.
  RawClient echoed(kHost, f.gateway.port, upgrade_request("/echo", "routerId: 7401\r\n"), frame(0x81, "early"));
  ASSERT_EQ(echoed.status, 101);
  bool echo_seen = false;
  while (auto frame_in = echoed.read_frame(2000ms))
    if ((echo_seen = frame_in->payload == "early:beijing")) break;
  EXPECT_TRUE(echo_seen);
  EXPECT_TRUE(f.bystander.alive("beijing"));
}

// The gateway follows the backend's frames too: bytes that are not frames
// (here text, whose first byte reads as reserved bits and opcode 7) close the
// client with 1002 before any of them is relayed, and the backend as well.
TEST(GatewayFrames, GarbageFromTheBackendAfterIts101ClosesTheClientWith1002) {
  for (bool with_101 : {true, false}) {
    SCOPED_TRACE(with_101 ? "garbage in the 101's write" : "garbage written later");
    Fixture f("", "garbage, not a frame\r\n", with_101);
    RawClient client(kHost, f.gateway.port, request(7500));
    ASSERT_EQ(client.status, 101) << client.head;
    auto first = client.read_frame();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->opcode(), 8) << "no garbage byte reaches the client";
    EXPECT_EQ(first->close_code(), 1002);
    EXPECT_EQ(first->close_reason(), "backend broke the protocol: unknown opcode 7");
    EXPECT_TRUE(received_close(f.raw.connection(0), 1002, "unknown opcode 7"));
    EXPECT_TRUE(closes_reach(f.gateway, 1002, 1));
    EXPECT_TRUE(f.bystander.alive("beijing"));
    EXPECT_FALSE(f.gateway.process().try_wait()) << "the gateway is still running";
  }
}

}  // namespace
}  // namespace wsfo::gateway_test
