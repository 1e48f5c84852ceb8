#include "core/checks/run_figures.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wsfo::checks {
namespace run_figures_test {

using history::Event;
using history::Json;
constexpr std::int64_t ms = 1'000'000;

Event connected(std::int64_t t, std::uint64_t id, std::int64_t handshake) {
  return {"connected", t, "clients-0", id,
          Json{{"url", "ws://x/"},
               {"unit", "u"},
               {"node", "n"},
               {"backend", "b"},
               {"handshake_ns", handshake},
               {"redirects", 0}}};
}
Event disconnected(std::int64_t t, std::uint64_t id, const std::string& cause = "connection_lost") {
  return {"disconnected", t, "clients-0", id,
          Json{{"cause", cause}, {"reason", "x"}, {"closed_by", "network"}, {"connected_ns", 1}}};
}
Event rejected(std::int64_t t, std::uint64_t id, const std::string& error) {
  return {"rejected", t, "clients-0", id, Json{{"url", "ws://x/"}, {"error", error}, {"reason", "x"}}};
}
Event action(std::int64_t t, std::uint64_t index, const std::string& name) {
  return {"action", t, "orchestrator", std::nullopt, Json{{"action", name}, {"index", index}}};
}
Event gap(std::int64_t t, std::uint64_t id, std::uint64_t missing) {
  return {"gap", t, "clients-0", id, Json{{"backend", "b"}, {"missing", missing}, {"after_seq", 3}}};
}

// 200 clients connect; a kill at 1 s drops 100 of them; they come back at
// 1.1 s + 10 ms each (so 99 of them by 1.1 s + 990 ms), the last one only after 5 s.
std::vector<Event> storm() {
  std::vector<Event> h;
  for (std::uint64_t id = 0; id < 200; ++id) h.push_back(connected(static_cast<std::int64_t>(id), id, 2 * ms));
  h.push_back(action(1000 * ms, 0, "kill"));
  for (std::uint64_t id = 0; id < 100; ++id) h.push_back(disconnected(1000 * ms + 1, id));
  h.push_back(rejected(1050 * ms, 7, "refused"));
  h.push_back(rejected(1060 * ms, 8, "handshake_timeout"));
  for (std::uint64_t id = 0; id < 99; ++id)
    h.push_back(connected(1100 * ms + static_cast<std::int64_t>(id) * 10 * ms, id, (id == 98 ? 900 : 3) * ms));
  h.push_back(connected(6000 * ms, 99, 4 * ms));
  h.push_back(rejected(7000 * ms, 150, "connect_timeout"));  // after the storm
  h.push_back(action(8000 * ms, 1, "wait"));
  return h;
}

TEST(RunFigures, KillStormFigures) {
  auto h = storm();
  RunFigures f = compute_run_figures(h);
  ASSERT_TRUE(f.fault);
  EXPECT_EQ(f.fault->action, "kill");
  EXPECT_EQ(f.fault->at_ns, 1000 * ms);
  EXPECT_EQ(f.fault->disconnected, 100u);
  // 99% of 100 = the 99th back, at 1100 + 98 * 10 ms.
  ASSERT_TRUE(f.fault->back_99_ns);
  EXPECT_EQ(*f.fault->back_99_ns, 100 * ms + 980 * ms);
  // The storm lasts until the last one is back at 6 s: 100 handshakes, p99 the 99th smallest.
  EXPECT_EQ(f.fault->storm_end_ns, 6000 * ms + 1);
  ASSERT_TRUE(f.fault->handshake_p99_ns);
  EXPECT_EQ(*f.fault->handshake_p99_ns, 4 * ms);
  EXPECT_EQ(f.fault->failed_attempts, 2u);
  EXPECT_EQ(f.fault->handshake_timeouts, 1u);
  // Over the run: the storm's timeout and the connect timeout after it.
  EXPECT_EQ(f.handshake_timeouts, 2u);
  EXPECT_TRUE(f.saturated());
}

TEST(RunFigures, NotAllBackHasNo99WhenTooFewReturn) {
  std::vector<Event> h;
  for (std::uint64_t id = 0; id < 10; ++id) h.push_back(connected(0, id, ms));
  h.push_back(action(1000 * ms, 0, "cutover"));
  for (std::uint64_t id = 0; id < 10; ++id) h.push_back(disconnected(1001 * ms, id, "server_close"));
  for (std::uint64_t id = 0; id < 9; ++id) h.push_back(connected(1500 * ms, id, ms));
  h.push_back(action(3000 * ms, 1, "wait"));
  RunFigures f = compute_run_figures(h);
  ASSERT_TRUE(f.fault);
  EXPECT_EQ(f.fault->disconnected, 10u);
  EXPECT_FALSE(f.fault->back_99_ns);            // 99% of 10 needs all 10
  EXPECT_EQ(f.fault->storm_end_ns, 3000 * ms);  // not all back: the window's end
}

TEST(RunFigures, DisconnectionsAfterTheNextActionBelongToIt) {
  std::vector<Event> h{connected(0, 1, ms),
                       connected(0, 2, ms),
                       action(1000 * ms, 0, "kill"),
                       disconnected(1001 * ms, 1),
                       action(2000 * ms, 1, "restore"),
                       disconnected(2001 * ms, 2)};
  RunFigures f = compute_run_figures(h);
  ASSERT_TRUE(f.fault);
  EXPECT_EQ(f.fault->disconnected, 1u);
}

TEST(RunFigures, TheClientsShutdownAtTheEndIsNotTheFaults) {
  std::vector<Event> h{connected(0, 1, ms),
                       connected(0, 2, ms),
                       action(1000 * ms, 0, "kill"),
                       disconnected(1001 * ms, 1),
                       connected(1200 * ms, 1, ms),
                       disconnected(9000 * ms, 2, "shutdown"),
                       disconnected(9000 * ms, 1, "shutdown")};
  RunFigures f = compute_run_figures(h);
  ASSERT_TRUE(f.fault);
  EXPECT_EQ(f.fault->disconnected, 1u);
  ASSERT_TRUE(f.fault->back_99_ns);
  EXPECT_EQ(*f.fault->back_99_ns, 200 * ms);
}

TEST(RunFigures, SteadyRunIsUnsaturatedWithoutFault) {
  std::vector<Event> h;
  for (std::uint64_t id = 0; id < 100; ++id) h.push_back(connected(static_cast<std::int64_t>(id) * ms, id, 5 * ms));
  h.push_back(action(2000 * ms, 0, "wait"));
  h.push_back(gap(2500 * ms, 3, 4));
  h.push_back(gap(2600 * ms, 5, 1));
  h.push_back(disconnected(3000 * ms, 9, "pong_timeout"));
  h.push_back(disconnected(3000 * ms, 10, "idle_timeout"));
  RunFigures f = compute_run_figures(h);
  EXPECT_FALSE(f.fault);
  EXPECT_EQ(f.connected_events, 100u);
  EXPECT_EQ(f.messages_lost, 5u);
  EXPECT_EQ(f.heartbeat_timeouts, 2u);
  EXPECT_FALSE(f.saturated());
  EXPECT_EQ(f.first_ns, 0);
}

TEST(RunFigures, SlowHandshakesSaturateWithoutTimeouts) {
  std::vector<Event> h;
  for (std::uint64_t id = 0; id < 100; ++id)
    h.push_back(connected(static_cast<std::int64_t>(id), id, (id >= 98 ? 1500 : 10) * ms));
  EXPECT_TRUE(compute_run_figures(h).saturated());  // p99 = the 99th = 1.5 s
  h.pop_back();
  h.pop_back();
  h.push_back(connected(200, 98, 1500 * ms));  // only 1 of 99 slow: p99 is the 99th = 1.5 s still
  EXPECT_TRUE(compute_run_figures(h).saturated());
  h.back() = connected(200, 98, 10 * ms);
  EXPECT_FALSE(compute_run_figures(h).saturated());
}

}  // namespace run_figures_test
}  // namespace wsfo::checks
