#include "core/traffic/traffic_ledger.hpp"

#include <gtest/gtest.h>

#include "core/traffic/cpu_queue.hpp"
#include "core/traffic/live_texts.hpp"
#include "core/traffic/read_coalescer.hpp"

namespace traffic_ledger_test {

using namespace wsfo;
using std::chrono::microseconds;
using std::chrono::nanoseconds;

scenario::Simulation costs() {
  scenario::Simulation sim = scenario::default_simulation();
  sim.message_cpu = microseconds(5);
  sim.message_cpu_per_kib = nanoseconds(1024);  // 1 ns per payload byte
  sim.backend_cpu = {microseconds(60), microseconds(2), microseconds(3), microseconds(0)};
  return sim;
}

traffic::BackendTraffic backend(bool all, std::int64_t interval_ns = 0, std::size_t size = 0) {
  return {"center", interval_ns, size, all};
}

TEST(TrafficLedger, AnnounceAllReachesEveryClientOfTheBackend) {
  traffic::TrafficLedger ledger({backend(true)}, 1, costs());
  // One second apart: each accept's work is done before the next.
  for (int i = 0; i < 3; ++i) ledger.connect(i * 1'000'000'000LL, 0, 0, -1, 0, 1);  // path "/"
  auto step = ledger.step(0, 100'000'000);
  // Per connection: welcome, echo, first message up; announcements 1 + 2 + 3.
  EXPECT_EQ(step.gateway_messages[0], 3u * 3u + 6u);
  EXPECT_EQ(step.backend_messages[0], 3u * 2u + 6u);
  EXPECT_EQ(step.backend_broadcasts[0], 3u);
  // Queued at the accepts, not in the step's periodic work.
  EXPECT_EQ(step.backend_cpu_ns[0], 0);
  // An announcement at an upgrade costs its messages, no broadcast.
  EXPECT_EQ(ledger.backend_cpu(0).served_at(10'000'000'000), 3 * 60'000 + 12 * 3'000);
  const auto own = static_cast<std::int64_t>(traffic::welcome_size("center") + traffic::echo_size("center") +
                                             traffic::kFirstMessageSize);
  const auto announce = static_cast<std::int64_t>(traffic::announcement_size("center", "/"));
  const std::int64_t payload = 3 * own + 6 * announce;  // 1 ns per byte
  EXPECT_EQ(ledger.gateway_cpu(0).served_at(10'000'000'000), 15 * 5'000 + payload);
  // The next step: nothing new, no broadcasts.
  EXPECT_EQ(ledger.step(100'000'000, 200'000'000).gateway_messages[0], 0u);
}

// A connection's teardown is paid by the hosts still running: each relaying
// gateway given and the backend when it is alive; nothing else changes.
TEST(TrafficLedger, ClosedChargesTheTeardownOnTheHostsStillRunning) {
  scenario::Simulation sim = costs();
  sim.close_cpu = microseconds(40);
  sim.backend_cpu.close = microseconds(25);
  traffic::TrafficLedger ledger({backend(false)}, 3, sim);
  const std::int64_t t = 5'000'000'000;
  ledger.closed(t, 0, 0, 2, true);    // relayed by 0 for entry node 2
  ledger.closed(t, 0, -1, 1, false);  // the backend died with it; gateway 1 tears down
  EXPECT_EQ(ledger.gateway_cpu(0).served_at(t + 1'000'000'000), 40'000);
  EXPECT_EQ(ledger.gateway_cpu(1).served_at(t + 1'000'000'000), 40'000);
  EXPECT_EQ(ledger.gateway_cpu(2).served_at(t + 1'000'000'000), 40'000);
  EXPECT_EQ(ledger.backend_cpu(0).served_at(t + 1'000'000'000), 25'000);
  // Without close figures (older calibrations paid it with the handshake) nothing is charged.
  traffic::TrafficLedger plain({backend(false)}, 1, costs());
  plain.closed(t, 0, 0, -1, true);
  EXPECT_EQ(plain.gateway_cpu(0).served_at(t + 1'000'000'000), 0);
  EXPECT_EQ(plain.backend_cpu(0).served_at(t + 1'000'000'000), 0);
}

// A burst of accepts while the gateway is behind: a client whose read is
// still queued takes the next announcement along, so the burst costs a
// read per client per round through the queue, not one per message.
TEST(TrafficLedger, AnnouncementsToClientsWithAReadQueuedCoalesce) {
  scenario::Simulation sim = costs();
  sim.message_cpu_per_kib = nanoseconds(0);
  traffic::TrafficLedger ledger({backend(true)}, 1, sim);
  for (int i = 0; i < 100; ++i) ledger.connect(i * 1'000'000'000LL, 0, 0, -1, 0, 1);
  const double spaced = ledger.gateway_cpu(0).served_at(200'000'000'000);
  traffic::TrafficLedger burst({backend(true)}, 1, sim);
  for (int i = 0; i < 100; ++i) burst.connect(200'000'000'000, 0, 0, -1, 0, 1);
  const double together = burst.gateway_cpu(0).served_at(400'000'000'000);
  EXPECT_EQ(spaced, (100 * 3 + 5050) * 5'000.0);
  // At one instant nothing is served between the accepts: each client is read once.
  EXPECT_EQ(together, (100 * 3 + 100) * 5'000.0);
}

TEST(TrafficLedger, AnnounceSelfIsOneMessagePerConnection) {
  traffic::TrafficLedger ledger({backend(false)}, 1, costs());
  for (int i = 0; i < 3; ++i) ledger.connect(0, 0, 0, -1, 0, 1);
  auto step = ledger.step(0, 100'000'000);
  EXPECT_EQ(step.gateway_messages[0], 3u * 4u);
  EXPECT_EQ(step.backend_broadcasts[0], 0u);
  // The three accepts' work is queued at once: the CPU is busy 12 messages long.
  const auto bytes = static_cast<std::int64_t>(traffic::welcome_size("center") + traffic::echo_size("center") +
                                               traffic::kFirstMessageSize + traffic::announcement_size("center", "/"));
  EXPECT_EQ(ledger.gateway_cpu(0).delay_at(0), 12 * 5'000 + 3 * bytes);
}

TEST(TrafficLedger, BroadcastsFollowTheFixedScheduleAndPayByteCost) {
  traffic::TrafficLedger ledger({backend(false, 1'000'000'000, 64)}, 2, costs());
  ledger.connect(0, 0, 0, -1, 0, 1);
  ledger.connect(0, 0, 1, -1, 0, 1);
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
  ledger.connect(0, 0, 1, 0, 0, 1);
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
  for (int i = 0; i < 3; ++i) ledger.connect(0, 0, 0, -1, 30'000'000'000, 1);
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

TEST(CpuQueue, WorkIsServedFirstComeFirstServed) {
  traffic::CpuQueue cpu;
  EXPECT_EQ(cpu.add(0, 300), 300);   // done at 300
  EXPECT_EQ(cpu.add(100, 50), 350);  // behind the first
  EXPECT_EQ(cpu.delay_at(200), 150);
  EXPECT_EQ(cpu.delay_at(1000), 0);
  EXPECT_EQ(cpu.served_ns(), 350);
  cpu.add(1000, 100);
  cpu.clear(1050);  // the host died: the rest of the work with it
  EXPECT_EQ(cpu.delay_at(1050), 0);
  EXPECT_EQ(cpu.served_ns(), 400);
}

TEST(CpuQueue, AFluidRateBelowOneDrainsABacklogAboveOneGrowsIt) {
  traffic::CpuQueue cpu;
  cpu.set_rate(0, 0.5);
  cpu.add(0, 1000);
  EXPECT_EQ(cpu.delay_at(1000), 500);  // served 1000, 500 arrived
  EXPECT_EQ(cpu.delay_at(3000), 0);
  cpu.set_rate(3000, 1.5);
  EXPECT_EQ(cpu.delay_at(5000), 1000);
  EXPECT_EQ(cpu.served_ns(), 1000 + 1500 + 2000);  // the backlog, then what arrived, then all it could
}

TEST(ReadCoalescer, ClientsWithAReadQueuedNeedNoNewOne) {
  traffic::ReadCoalescer reads;
  EXPECT_EQ(reads.new_reads(10, 0), 10u);
  reads.queued(10, 0, 100);
  EXPECT_EQ(reads.new_reads(10, 0), 0u);   // none read yet
  EXPECT_EQ(reads.new_reads(10, 30), 3u);  // three read so far
  reads.queued(3, 100, 130);
  EXPECT_EQ(reads.new_reads(10, 130), 10u);  // all read: a new round
  EXPECT_EQ(reads.batches(), 0u);
}

}  // namespace traffic_ledger_test
