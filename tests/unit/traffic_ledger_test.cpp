#include <gtest/gtest.h>

#include "core/traffic/fifo_backlog.hpp"
#include "core/traffic/live_texts.hpp"
#include "core/traffic/traffic_ledger.hpp"

namespace traffic_ledger_test {

using namespace wsfo;
using std::chrono::microseconds;
using std::chrono::nanoseconds;

scenario::Simulation costs() {
  scenario::Simulation sim = scenario::default_simulation();
  sim.message_cpu = microseconds(5);
  sim.message_cpu_per_kib = nanoseconds(1024);  // 1 ns per payload byte
  sim.backend_cpu = {microseconds(60), microseconds(2), microseconds(3)};
  return sim;
}

traffic::BackendTraffic backend(bool all, std::int64_t interval_ns = 0, std::size_t size = 0) {
  return {"center", interval_ns, size, all};
}

TEST(TrafficLedger, AnnounceAllReachesEveryClientOfTheBackend) {
  traffic::TrafficLedger ledger({backend(true)}, 1, costs());
  for (int i = 0; i < 3; ++i) ledger.connect(0, 0, -1, 0, 1);  // path "/"
  auto step = ledger.step(0, 100'000'000);
  // Per connection: welcome, echo, first message up; announcements 1 + 2 + 3.
  EXPECT_EQ(step.gateway_messages[0], 3u * 3u + 6u);
  EXPECT_EQ(step.backend_messages[0], 3u * 2u + 6u);
  EXPECT_EQ(step.backend_broadcasts[0], 3u);
  EXPECT_EQ(step.backend_cpu_ns[0], 3 * 60'000 + 3 * 2'000 + 12 * 3'000);
  // The next step: nothing new, no broadcasts.
  EXPECT_EQ(ledger.step(100'000'000, 200'000'000).gateway_messages[0], 0u);
}

TEST(TrafficLedger, AnnounceSelfIsOneMessagePerConnection) {
  traffic::TrafficLedger ledger({backend(false)}, 1, costs());
  for (int i = 0; i < 3; ++i) ledger.connect(0, 0, -1, 0, 1);
  auto step = ledger.step(0, 100'000'000);
  EXPECT_EQ(step.gateway_messages[0], 3u * 4u);
  EXPECT_EQ(step.backend_broadcasts[0], 0u);
}

TEST(TrafficLedger, BroadcastsFollowTheFixedScheduleAndPayByteCost) {
  traffic::TrafficLedger ledger({backend(false, 1'000'000'000, 64)}, 2, costs());
  ledger.connect(0, 0, -1, 0, 1);
  ledger.connect(0, 1, -1, 0, 1);
  ledger.step(0, 500'000'000);
  auto none = ledger.step(500'000'000, 900'000'000);
  EXPECT_EQ(none.gateway_messages[0], 0u);
  auto two = ledger.step(900'000'000, 2'000'000'000);  // ticks at 1 s and 2 s
  EXPECT_EQ(two.gateway_messages[0], 2u);
  EXPECT_EQ(two.gateway_messages[1], 2u);
  EXPECT_EQ(two.backend_messages[0], 4u);
  EXPECT_EQ(two.gateway_bytes[0], 2u * (64u + 2u));
  // 2 messages x 5 us + 128 payload bytes x 1 ns.
  EXPECT_EQ(two.gateway_cpu_ns[0], 2 * 5'000 + 128);
  EXPECT_EQ(two.backend_cpu_ns[0], 2 * 2'000 + 4 * 3'000);
}

TEST(TrafficLedger, ProxiedConnectionsAreRelayedByBothNodesAndSentOnce) {
  traffic::TrafficLedger ledger({backend(false, 1'000'000'000, 0)}, 2, costs());
  ledger.connect(0, 1, 0, 0, 1);
  ledger.step(0, 100'000'000);
  auto step = ledger.step(100'000'000, 1'000'000'000);
  EXPECT_EQ(step.gateway_messages[0], 1u);
  EXPECT_EQ(step.gateway_messages[1], 1u);
  EXPECT_EQ(step.backend_messages[0], 1u);
  ledger.disconnect(0, 1, 0, 0);
  EXPECT_EQ(ledger.clients(0, 0) + ledger.clients(0, 1) + ledger.backend_clients(0), 0u);
}

TEST(TrafficLedger, PingsAreARateWhoseFractionCarriesOver) {
  traffic::TrafficLedger ledger({backend(false)}, 1, costs());
  for (int i = 0; i < 3; ++i) ledger.connect(0, 0, -1, 30'000'000'000, 1);
  ledger.step(0, 0);
  std::uint64_t relayed = 0;
  for (std::int64_t t = 0; t < 30'000'000'000; t += 100'000'000)
    relayed += ledger.step(t, t + 100'000'000).gateway_messages[0];
  EXPECT_EQ(relayed, 6u);  // 3 pings and 3 pongs in one interval
}

TEST(LiveTexts, SizesMatchTheBackendsTexts) {
  EXPECT_EQ(traffic::welcome_size("center"), std::string("Welcome to the server!center").size());
  EXPECT_EQ(traffic::broadcast_size(7, "center", 0), std::string("7:center").size());
  EXPECT_EQ(traffic::broadcast_size(7, "center", 64), 64u);
  EXPECT_EQ(traffic::frame_header_size(200, true), 8u);
}

TEST(FifoBacklog, DelayIsTheQueuedWorkAtTheRateTheHostGave) {
  traffic::FifoBacklog backlog;
  backlog.arrive(300);
  backlog.served(100, 100);  // a full CPU: 200 left, 200 to go
  EXPECT_EQ(backlog.pending_ns(), 200);
  EXPECT_EQ(backlog.delay_ns(), 200);
  backlog.served(50, 100);  // half the CPU: 150 left at 0.5
  EXPECT_EQ(backlog.delay_ns(), 300);
  backlog.served(0, 100);
  EXPECT_EQ(backlog.delay_ns(), 400);
  backlog.served(1000, 100);
  EXPECT_EQ(backlog.pending_ns(), 0);
  EXPECT_EQ(backlog.delay_ns(), 0);
}

}  // namespace traffic_ledger_test
