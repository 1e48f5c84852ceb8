// The VRRP agent embedded in `wsfo gateway` (docs/vrrp.md, "Embedding"): two
// real gateway nodes share VIP 127.0.40.10 (priorities 100/50, advert_int 1 s,
// gateway tracked every 1 s). A WebSocket client reaches the backend through
// the VIP, so through the holder's handshake, routing and relay; the VIP moves
// on a stopped gateway, comes back by preemption (the connection accepted on
// it by the other node goes silent and is reset when its client next sends,
// one made to that node's own address stays), moves on SIGTERM after
// Skew_Time, a powered-off holder leaves its clients silent until the backup
// takes over, and a partition makes both nodes MASTER.
#include "tests/component/gateway_harness.hpp"

namespace wsfo::gateway_test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kVip = "127.0.40.10";

// Ports of one test's pair of nodes: ctest runs the tests of this file
// concurrently, and every test has nodes on the same addresses.
struct Ports {
  std::uint16_t vip;
  std::uint16_t advert;
};
constexpr Ports kTakeoverPorts{18040, 19840};
constexpr Ports kPartitionPorts{18041, 19841};
constexpr Ports kConfigPorts{18042, 19842};
constexpr Ports kSilentPorts{18043, 19843};
constexpr Ports kPowerOffPorts{18044, 19844};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
double seconds_since(std::int64_t from_ns, std::int64_t to_ns) { return (to_ns - from_ns) / 1e9; }

Json node_config(Ports ports, const std::string& name, const std::string& address, const std::string& peer,
                 int priority, const std::string& backend, const std::string& events_file) {
  Json instance = {{"name", "vip-40"},
                   {"vrid", 40},
                   {"vips", Json::array({{{"address", kVip}, {"port", ports.vip}}})},
                   {"priority", priority},
                   {"advert_int", "1s"},
                   {"peers", Json::array({peer})},
                   {"track", {{"interval", "1s"}}}};
  Json vrrp = {{"node", name},
               {"address", address},
               {"advert_port", ports.advert},
               {"instances", Json::array({instance})},
               {"events_file", events_file}};
  return gateway_config({backend}, {{"node", name}, {"vrrp", vrrp}});
}

// The events file a node's agent appends to, read as it grows.
class Events {
 public:
  explicit Events(std::string path) : path_(std::move(path)) {}
  const std::string& path() const { return path_; }

  // The first `vip` transition to `state` at or after `since_ns`, polled until `timeout`.
  std::optional<std::int64_t> wait_for(const std::string& kind, const std::string& to, std::int64_t since_ns,
                                       std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    do {
      std::ifstream in(path_);
      std::string line;
      while (std::getline(in, line)) {
        Json event = Json::parse(line);
        if (event["kind"] == kind && event["t_ns"].get<std::int64_t>() >= since_ns &&
            (to.empty() || event.value("to", "") == to))
          return event["t_ns"].get<std::int64_t>();
      }
      std::this_thread::sleep_for(20ms);
    } while (Clock::now() < deadline);
    return std::nullopt;
  }

 private:
  std::string path_;
};

// A WebSocket client on any loopback address; tells which node served it.
class VipClient {
 public:
  VipClient(const std::string& address, std::uint16_t port) : ws_(io_) {
    auto& tcp_stream = beast::get_lowest_layer(ws_);
    tcp_stream.expires_after(kStep);
    tcp_stream.connect(tcp::endpoint(net::ip::make_address(address), port));
    beast::error_code ec;
    ws_.async_handshake(response_, "lb.test", "/", [&ec](beast::error_code e) { ec = e; });
    run();
    if (ec) throw std::runtime_error("handshake via " + address + ": " + ec.message());
    tcp_stream.expires_never();
  }
  std::string node() const { return std::string(response_["X-Wsfo-Node"]); }

  // Reads until the connection ends: its error (e.g. connection reset), or
  // "open" when it is still open after `timeout`.
  std::string wait_end(std::chrono::milliseconds timeout) { return listen(timeout, true).second; }

  // Reads for `timeout` (or until the connection ends, with `until_end`): how
  // many messages arrived, and how the connection ended ("open" when it did
  // not). The read stays pending between calls: a timed-out read of
  // beast's stream would close the socket.
  std::pair<int, std::string> listen(std::chrono::milliseconds timeout, bool until_end = false) {
    const int before = received_;
    if (!ended_ && !reading_) read_next();
    io_.restart();
    if (until_end)
      io_.run_for(timeout);
    else
      for (const auto until = Clock::now() + timeout; !ended_ && Clock::now() < until;) io_.run_one_until(until);
    return {received_ - before, ended_ ? ended_->message() : "open"};
  }

  // A heartbeat, as the fleet's clients send: "" once written, else why not.
  std::string ping() {
    if (!ended_ && !reading_) read_next();
    std::optional<beast::error_code> sent;
    ws_.async_ping({}, [&sent](beast::error_code e) { sent = e; });
    io_.restart();
    for (const auto until = Clock::now() + kStep; !sent && !ended_ && Clock::now() < until;) io_.run_one_until(until);
    if (!sent) return ended_ ? "ended before: " + ended_->message() : "timed out";
    return *sent ? sent->message() : "";
  }

 private:
  void read_next() {
    reading_ = true;
    ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      reading_ = false;
      buffer_.clear();
      if (ec) {
        ended_ = ec;
        io_.stop();  // wait_end returns at once
        return;
      }
      ++received_;
      read_next();
    });
  }
  void run() {
    io_.restart();
    io_.run();
  }
  beast::flat_buffer buffer_;
  bool reading_ = false;
  int received_ = 0;
  std::optional<beast::error_code> ended_;
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type response_;
};

// Connects through the VIP, retrying while it moves (refused or 503).
std::unique_ptr<VipClient> connect_via_vip(Ports ports, std::chrono::milliseconds timeout = 3000ms) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    try {
      return std::make_unique<VipClient>(kVip, ports.vip);
    } catch (const std::exception&) {
      if (Clock::now() > until) throw;
      std::this_thread::sleep_for(50ms);
    }
  }
}

Json post_faults(const Gateway& gateway, const Json& body) {
  auto reply = admin(gateway, http::verb::post, "/faults", body);
  if (reply.status != 200) throw std::runtime_error("POST /faults: " + std::to_string(reply.status) + reply.body);
  return reply.json();
}

std::string make_dir(const std::string& path) {
  std::filesystem::create_directories(path);
  return path;
}

TEST(VrrpGateway, VipTakeoverPreemptAndGracefulStopThroughTheGateway) {
  Backend backend("lb");
  const std::string dir = temp_dir();
  Events events1(dir + "/server1.vrrp.jsonl"), events2(dir + "/server2.vrrp.jsonl");
  const std::int64_t t0 = now_ns();
  Gateway server2(
      node_config(kTakeoverPorts, "server2", "127.0.40.2", "127.0.40.1", 50, backend.address(), events2.path()),
      make_dir(dir + "/2"));
  auto server1 = std::make_unique<Gateway>(
      node_config(kTakeoverPorts, "server1", "127.0.40.1", "127.0.40.2", 100, backend.address(), events1.path()),
      make_dir(dir + "/1"));

  // server1 (100) becomes MASTER: the VIP leads to its gateway and the backend.
  ASSERT_TRUE(events1.wait_for("vip", "MASTER", t0, 6s)) << server1->log();
  auto client = connect_via_vip(kTakeoverPorts);
  EXPECT_EQ(client->node(), "server1");

  // stop-gateway: the track check fails within 1 s → FAULT → priority 0 →
  // server2 takes over after its Skew_Time (0.805 s).
  std::int64_t stopped_at = now_ns();
  post_faults(*server1, {{"serving", false}});
  auto fault = events1.wait_for("vip", "FAULT", stopped_at, 3s);
  auto taken = events2.wait_for("vip", "MASTER", stopped_at, 4s);
  ASSERT_TRUE(fault && taken) << server2.log();
  const double skew = seconds_since(*fault, *taken);
  EXPECT_GT(skew, 0.70) << "FAULT → takeover";
  EXPECT_LT(skew, 0.95) << "FAULT → takeover";
  EXPECT_NE(client->wait_end(2s), "open");  // its node stopped serving and dropped it
  client = connect_via_vip(kTakeoverPorts);
  EXPECT_EQ(client->node(), "server2");
  VipClient direct("127.0.0.1", server2.port);  // server2's own listener: never affected by the VIP
  EXPECT_EQ(direct.node(), "server2");

  // start-gateway: server1 passes its check, starts as BACKUP and preempts
  // after its Master_Down_Interval (3.609 s); server2 releases the VIP, and
  // what it accepted on it goes silent until the client's next heartbeat,
  // which meets a reset; the client then reconnects to server1.
  std::int64_t started_at = now_ns();
  post_faults(*server1, {{"serving", true}});
  auto backup = events1.wait_for("vip", "BACKUP", started_at, 3s);
  auto preempted = events1.wait_for("vip", "MASTER", started_at, 7s);
  ASSERT_TRUE(backup && preempted) << server1->log();
  const double preempt = seconds_since(*backup, *preempted);
  EXPECT_GT(preempt, 3.3) << "BACKUP → preempt";
  EXPECT_LT(preempt, 3.97) << "BACKUP → preempt";
  EXPECT_EQ(direct.ping(), "");  // activity, or the 5 s idle timeout would close it meanwhile
  EXPECT_EQ(client->wait_end(1s), "open");
  EXPECT_EQ(client->ping(), "");
  EXPECT_EQ(client->wait_end(2s), "Connection reset by peer");
  EXPECT_EQ(direct.wait_end(300ms), "open");
  client = connect_via_vip(kTakeoverPorts);
  EXPECT_EQ(client->node(), "server1");

  // SIGTERM: server1 sends priority 0; server2 takes over after Skew_Time.
  std::int64_t term_at = now_ns();
  server1->process().send_signal(SIGTERM);
  auto graceful = events2.wait_for("vip", "MASTER", term_at, 3s);
  ASSERT_TRUE(graceful) << server2.log();
  const double graceful_s = seconds_since(term_at, *graceful);
  EXPECT_GT(graceful_s, 0.72) << "SIGTERM → takeover (keepalived: 0.83 s)";
  EXPECT_LT(graceful_s, 0.92) << "SIGTERM → takeover (keepalived: 0.83 s)";
  EXPECT_TRUE(server1->process().wait_for_exit(5s));
  client = connect_via_vip(kTakeoverPorts);
  EXPECT_EQ(client->node(), "server2");
  std::cout << "[ measured ] stop-gateway: FAULT→MASTER " << skew << " s, total " << seconds_since(stopped_at, *taken)
            << " s; preempt " << preempt << " s after BACKUP; SIGTERM takeover " << graceful_s << " s\n";
  std::filesystem::remove_all(dir);
}

// A backend that broadcasts every 100 ms, so a connection that hears nothing is a silenced one.
struct BroadcastingBackend : Backend {
  BroadcastingBackend() : Backend("lb", "100ms") {}
};

// Real keepalived hosts, measured: when the VIP leaves a node whose proxy
// lives, the connections on it hear nothing more and see no reset or end of
// file, until the client's next segment reaches the new holder and meets a
// RST. The node's own address is not involved.
TEST(VrrpGateway, AVipLeavingALiveNodeSilencesItsConnectionsUntilTheClientSends) {
  BroadcastingBackend backend;
  const std::string dir = temp_dir();
  Events events1(dir + "/server1.vrrp.jsonl"), events2(dir + "/server2.vrrp.jsonl");
  const std::int64_t t0 = now_ns();
  Gateway server2(
      node_config(kSilentPorts, "server2", "127.0.40.2", "127.0.40.1", 50, backend.address(), events2.path()),
      make_dir(dir + "/2"));
  ASSERT_TRUE(events2.wait_for("vip", "MASTER", t0, 7s)) << server2.log();
  auto client = connect_via_vip(kSilentPorts);
  ASSERT_EQ(client->node(), "server2");
  VipClient direct("127.0.0.1", server2.port);
  EXPECT_GT(client->listen(500ms).first, 0) << "the backend's broadcasts reach the client through the VIP";

  // server1 (100) comes up and preempts: server2 lives on, as BACKUP.
  const std::int64_t started_at = now_ns();
  Gateway server1(
      node_config(kSilentPorts, "server1", "127.0.40.1", "127.0.40.2", 100, backend.address(), events1.path()),
      make_dir(dir + "/1"));
  ASSERT_TRUE(events2.wait_for("vip", "BACKUP", started_at, 8s)) << server2.log();
  client->listen(300ms);  // what was on its way before the release
  auto [heard, state] = client->listen(1500ms);
  EXPECT_EQ(heard, 0) << "nothing reaches a client whose VIP left";
  EXPECT_EQ(state, "open") << "no reset and no end of file before the client sends";
  auto [direct_heard, direct_state] = direct.listen(500ms);
  EXPECT_GT(direct_heard, 0) << "the node's own address is untouched";
  EXPECT_EQ(direct_state, "open");

  // Its next heartbeat meets the reset the new holder would send.
  EXPECT_EQ(client->ping(), "");
  EXPECT_EQ(client->wait_end(1s), "Connection reset by peer");
  EXPECT_EQ(direct.listen(300ms).second, "open");
  EXPECT_NE(server2.log().find("orphaned 1, reset 0 connection(s)"), std::string::npos) << server2.log();
  EXPECT_EQ(connect_via_vip(kSilentPorts)->node(), "server1");
  std::filesystem::remove_all(dir);
}

// A powered-off host (POST /faults {"power_off": true}) writes nothing: no
// priority-0 advert, no reset, no end of file. Its VIP clients are reset only
// once the backup holds the VIP: one that sent before is reset at the
// takeover, one that did not when it next sends. Its own address's client is
// never answered again.
TEST(VrrpGateway, APoweredOffHolderLeavesItsClientsSilentUntilTheBackupTakesTheVipOver) {
  BroadcastingBackend backend;
  const std::string dir = temp_dir();
  Events events1(dir + "/server1.vrrp.jsonl"), events2(dir + "/server2.vrrp.jsonl");
  const std::int64_t t0 = now_ns();
  Gateway server1(
      node_config(kPowerOffPorts, "server1", "127.0.40.1", "127.0.40.2", 100, backend.address(), events1.path()),
      make_dir(dir + "/1"));
  ASSERT_TRUE(events1.wait_for("vip", "MASTER", t0, 7s)) << server1.log();
  Gateway server2(
      node_config(kPowerOffPorts, "server2", "127.0.40.2", "127.0.40.1", 50, backend.address(), events2.path()),
      make_dir(dir + "/2"));
  ASSERT_TRUE(events2.wait_for("vip", "BACKUP", t0, 5s)) << server2.log();
  auto sender = connect_via_vip(kPowerOffPorts);
  auto quiet = connect_via_vip(kPowerOffPorts);
  ASSERT_EQ(sender->node(), "server1");
  ASSERT_EQ(quiet->node(), "server1");
  VipClient direct("127.0.0.1", server1.port);
  EXPECT_GT(sender->listen(500ms).first, 0) << "the backend's broadcasts reach the client through the VIP";

  const std::int64_t powered_off_at = now_ns();
  Json answer = post_faults(server1, {{"power_off", true}});
  EXPECT_EQ(answer["powered_off"], true);
  sender->listen(200ms);  // what was on its way before the power-off
  quiet->listen(200ms);
  direct.listen(200ms);
  auto [heard, state] = sender->listen(800ms);
  EXPECT_EQ(heard, 0) << "nothing reaches a client of a dead host";
  EXPECT_EQ(state, "open") << "a dead host sends no reset and no end of file";
  // Sent before the takeover: it goes nowhere, and nothing answers.
  EXPECT_EQ(sender->ping(), "");
  EXPECT_EQ(direct.ping(), "");
  EXPECT_EQ(sender->listen(500ms), std::make_pair(0, std::string("open")));

  const auto taken_over = events2.wait_for("vip", "MASTER", powered_off_at, 8s);
  ASSERT_TRUE(taken_over) << server2.log();
  EXPECT_GT(seconds_since(powered_off_at, *taken_over), 2.5) << "the backup waits for Master_Down_Interval";
  EXPECT_EQ(sender->wait_end(1500ms), "Connection reset by peer") << "its ping's retransmission meets the new holder";
  EXPECT_EQ(quiet->listen(500ms), std::make_pair(0, std::string("open"))) << "no send, no reset";
  EXPECT_EQ(quiet->ping(), "");
  EXPECT_EQ(quiet->wait_end(1s), "Connection reset by peer");
  EXPECT_EQ(direct.listen(500ms), std::make_pair(0, std::string("open")))
      << "the dead host's own address never answers";
  EXPECT_FALSE(events1.wait_for("vip", "", powered_off_at, 0ms)) << "a dead host writes no transition";
  EXPECT_EQ(connect_via_vip(kPowerOffPorts)->node(), "server2");
  std::filesystem::remove_all(dir);
}

TEST(VrrpGateway, PartitionMakesTwoMastersAndHealLeavesOne) {
  Backend backend("lb");
  const std::string dir = temp_dir();
  Events events1(dir + "/server1.vrrp.jsonl"), events2(dir + "/server2.vrrp.jsonl");
  const std::int64_t t0 = now_ns();
  Gateway server1(
      node_config(kPartitionPorts, "server1", "127.0.40.1", "127.0.40.2", 100, backend.address(), events1.path()),
      make_dir(dir + "/1"));
  Gateway server2(
      node_config(kPartitionPorts, "server2", "127.0.40.2", "127.0.40.1", 50, backend.address(), events2.path()),
      make_dir(dir + "/2"));
  ASSERT_TRUE(events1.wait_for("vip", "MASTER", t0, 6s)) << server1.log();

  // Bad input is refused with the offending pointer.
  auto bad = admin(server1, http::verb::post, "/faults", {{"drop_adverts_from", {"server2"}}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("/drop_adverts_from/0"), std::string::npos) << bad.body;

  std::int64_t split_at = now_ns();
  Json answer = post_faults(server1, {{"drop_adverts_from", {"127.0.40.2"}}});
  EXPECT_EQ(answer["vrrp"]["drop_adverts_from"], Json::array({"127.0.40.2"}));
  post_faults(server2, {{"drop_adverts_from", {"127.0.40.1"}}});
  // server2 hears nothing: MASTER after its Master_Down_Interval, but on
  // loopback the VIP is bound by server1, so its bind fails (split brain).
  ASSERT_TRUE(events2.wait_for("vip", "MASTER", split_at, 6s)) << server2.log();
  EXPECT_TRUE(events2.wait_for("vip-bind-failed", "", split_at, 2s)) << server2.log();
  EXPECT_EQ(connect_via_vip(kPartitionPorts)->node(), "server1");

  std::int64_t heal_at = now_ns();
  post_faults(server1, {{"drop_adverts_from", Json::array()}});
  post_faults(server2, {{"drop_adverts_from", Json::array()}});
  // The lower master hears the higher one and steps down; one master remains.
  EXPECT_TRUE(events2.wait_for("vip", "BACKUP", heal_at, 3s)) << server2.log();
  EXPECT_FALSE(events1.wait_for("vip", "BACKUP", heal_at, 1500ms));
  EXPECT_EQ(connect_via_vip(kPartitionPorts)->node(), "server1");
  std::filesystem::remove_all(dir);
}

TEST(VrrpGateway, ConfigProblemsNameTheirPointer) {
  Backend backend("lb");
  Json config = node_config(kConfigPorts, "server1", "127.0.40.1", "127.0.40.2", 300, backend.address(), "/tmp/x");
  const std::string dir = temp_dir();
  const std::string path = dir + "/gateway.json";
  std::ofstream(path) << config.dump();
  ChildProcess process({WSFO_BINARY, "gateway", "--config", path});
  auto status = process.wait_for_exit(5s);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code, 2);  // an invalid input the gateway needs
  EXPECT_NE(process.read_stderr(500ms).find("/vrrp/instances/0/priority"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wsfo::gateway_test
