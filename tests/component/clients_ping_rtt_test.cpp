// The live client's `ping_rtt_max_ns` on `disconnected` (docs/history.md):
// the longest heartbeat ping -> pong round trip of the connection, measured
// through a real `wsfo gateway` to a `wsfo backend` (the gateway relays the
// ping as raw bytes and Beast in the backend answers the pong). Absent when
// no pong came, e.g. for a client without heartbeats.
#include <csignal>

#include "tests/component/clients_test_support.hpp"
#include "tests/component/gateway_harness.hpp"

namespace wsfo::clients_ping_rtt_test {
namespace {

using namespace clients_test;
using gateway_test::Json;

// One unbj gateway in front of one backend; routerIds 5998-9999 are served here.
struct OneGateway {
  BackendProcess backend{"beijing"};
  gateway_test::Gateway gateway{
      gateway_test::gateway_config({backend.address()}, {{"limits", {{"idle_timeout", "30s"}}}})};

  std::vector<std::string> flags(std::vector<std::string> more) const {
    std::vector<std::string> flags{"--url", "ws://127.0.0.1:" + std::to_string(gateway.port) + "/", "--router-ids",
                                   "8330,8331"};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
  }
};

TEST(ClientsPingRoundTrip, AHeartbeatClientThroughAGatewayReportsItsLongestRoundTrip) {
  OneGateway units;
  auto run = run_clients(units.flags({"--heartbeat", "100ms", "--idle-timeout", "2s", "--duration", "1500ms"}));
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe() << run.stdout_text;
  for (std::uint64_t id : {8330, 8331}) {
    SCOPED_TRACE("routerId " + std::to_string(id));
    auto disconnected = of(run.events, "disconnected", id);
    ASSERT_EQ(disconnected.size(), 1u);
    const auto& fields = disconnected[0].fields;
    EXPECT_EQ(fields["cause"], "shutdown") << fields.dump();
    ASSERT_TRUE(fields.contains("ping_rtt_max_ns")) << fields.dump();
    auto round_trip = fields["ping_rtt_max_ns"].get<std::int64_t>();
    // Loopback through two processes: above a microsecond, and below the
    // idle timeout (else the client would have ended with pong_timeout);
    // also never longer than the connection.
    EXPECT_GE(round_trip, 1'000) << fields.dump();
    EXPECT_LT(round_trip, 2'000'000'000) << fields.dump();
    EXPECT_LT(round_trip, fields["connected_ns"].get<std::int64_t>()) << fields.dump();
  }
}

TEST(ClientsPingRoundTrip, WithoutHeartbeatsNoRoundTripIsWritten) {
  OneGateway units;
  auto run = run_clients(units.flags({"--duration", "800ms"}));
  ASSERT_TRUE(run.status.exited && run.status.code == 0) << run.status.describe() << run.stdout_text;
  for (std::uint64_t id : {8330, 8331}) {
    SCOPED_TRACE("routerId " + std::to_string(id));
    auto disconnected = of(run.events, "disconnected", id);
    ASSERT_EQ(disconnected.size(), 1u);
    EXPECT_FALSE(disconnected[0].fields.contains("ping_rtt_max_ns")) << disconnected[0].fields.dump();
  }
}

// A connection whose pings were never answered: the backend is frozen after
// the clients connected and before their first ping (1 s), so the heartbeat
// ends the connection (idle or pong timeout) without a round trip to report.
TEST(ClientsPingRoundTrip, AConnectionWhosePingsWereNeverAnsweredHasNoRoundTrip) {
  OneGateway units;
  auto events_path = temp_file("ping-rtt-frozen");
  std::vector<std::string> argv{WSFO_BINARY, "clients", "--events", events_path.string()};
  for (auto& flag :
       units.flags({"--heartbeat", "1s", "--idle-timeout", "2500ms", "--reconnect", "fixed:10s", "--duration", "5s"}))
    argv.push_back(flag);
  ChildProcess process(argv);
  // The events file is flushed every 200 ms: wait until both are connected.
  auto until = std::chrono::steady_clock::now() + 4s;
  bool connected = false;
  while (!connected && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
    std::ifstream in(events_path);
    std::vector<Event> events;
    std::string line, error;
    while (std::getline(in, line))
      if (auto e = history::parse_event_line(line, error)) events.push_back(*e);
    connected = !of(events, "connected", 8330).empty() && !of(events, "connected", 8331).empty();
  }
  units.backend.process.send_signal(SIGSTOP);
  auto status = process.wait_for_exit(10s);
  units.backend.process.send_signal(SIGCONT);
  ASSERT_TRUE(connected) << "the clients did not connect within 4 s";
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe();
  auto events = read_events(events_path);
  std::filesystem::remove(events_path);
  for (std::uint64_t id : {8330, 8331}) {
    SCOPED_TRACE("routerId " + std::to_string(id));
    auto disconnected = of(events, "disconnected", id);
    ASSERT_FALSE(disconnected.empty());
    const auto& fields = disconnected[0].fields;
    auto cause = fields["cause"].get<std::string>();
    EXPECT_TRUE(cause == "idle_timeout" || cause == "pong_timeout") << fields.dump();
    EXPECT_FALSE(fields.contains("ping_rtt_max_ns")) << fields.dump();
  }
}

}  // namespace
}  // namespace wsfo::clients_ping_rtt_test
