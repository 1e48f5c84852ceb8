// Processes sharing a machine's cores: max-min fair shares, one core at most
// per process, and finish times that follow the shares as they change.
#include "core/traffic/shared_cores.hpp"

#include <gtest/gtest.h>

namespace wsfo::traffic {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(SharedCores, TwoBusyProcessesOnOneCoreShareIt) {
  SharedCores machine(1);
  CpuQueue a, b;
  machine.attach(a);
  machine.attach(b);
  b.add(0, kMs);
  EXPECT_EQ(a.add(0, kMs), 2 * kMs);  // half a core each until both are done
  EXPECT_EQ(a.delay_at(kMs), kMs);    // half of it left, still at half speed
  EXPECT_EQ(a.delay_at(2 * kMs), 0);
  EXPECT_EQ(a.served_ns() + b.served_ns(), 2 * kMs);
}

TEST(SharedCores, AProcessUsesOneCoreAtMost) {
  SharedCores machine(2);
  CpuQueue a, b, c;
  machine.attach(a);
  machine.attach(b);
  machine.attach(c);
  EXPECT_EQ(a.add(0, kMs), kMs);  // alone on two cores: still one core's speed
  b.add(0, kMs);
  c.add(0, kMs);
  // Three busy processes on two cores: two thirds of a core each from now.
  EXPECT_EQ(b.delay_at(0), 3 * kMs / 2);
}

TEST(SharedCores, AShortCompetitorSlowsOnlyWhileItRuns) {
  SharedCores machine(1);
  CpuQueue a, b;
  machine.attach(a);
  machine.attach(b);
  b.add(0, kMs / 10);
  // Half speed until b is done at 0.2 ms, then the whole core: 1.1 ms, not
  // the 2 ms that today's shares alone would give.
  EXPECT_EQ(a.add(0, kMs), kMs + kMs / 10);
}

TEST(SharedCores, FluidWorkBelowItsShareIsServedAsItComes) {
  SharedCores machine(1);
  CpuQueue steady, busy;
  machine.attach(steady);
  machine.attach(busy);
  steady.set_rate(0, 0.25);  // a quarter of a core, every ns
  EXPECT_EQ(busy.add(0, 3 * kMs), 4 * kMs);  // the other three quarters
  EXPECT_EQ(steady.delay_at(2 * kMs), 0);
}

TEST(SharedCores, ClearedQueueFreesItsShare) {
  SharedCores machine(1);
  CpuQueue a, b;
  machine.attach(a);
  machine.attach(b);
  a.add(0, 10 * kMs);
  b.add(0, 10 * kMs);
  a.clear(kMs);  // its host died
  EXPECT_EQ(b.delay_at(kMs), 10 * kMs - kMs / 2);
}

TEST(CpuQueueAlone, KeepsOneCore) {
  CpuQueue q;
  EXPECT_EQ(q.add(0, kMs), kMs);
  EXPECT_EQ(q.add(0, kMs), 2 * kMs);
  EXPECT_EQ(q.delay_at(kMs), kMs);
}

}  // namespace
}  // namespace wsfo::traffic
