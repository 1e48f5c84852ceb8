// The two flood policies of the gateway, without sockets doing I/O: at the
// cap on handshakes in progress the accept loop waits and closes only a head
// incomplete for too long, and a failing accept loop waits longer each time
// and logs at most once a second.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "core/gateway/handshake_cap.hpp"
#include "gateway/accept_backoff.hpp"
#include "gateway/pending_heads.hpp"

namespace wsfo::gateway {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;

TEST(HandshakeCap, BelowTheCapAcceptsAtItWaitsAndEvictsOnlyAStaleHead) {
  EXPECT_EQ(room_for_next(2, 3, 10s, 1s).kind, CapRoom::Kind::accept) << "below the cap the age does not matter";
  CapRoom young = room_for_next(3, 3, 300ms, 1s);
  EXPECT_EQ(young.kind, CapRoom::Kind::wait) << "a storm's heads are on their way: wait in the backlog";
  EXPECT_EQ(young.wait_for, 700ms) << "until the oldest becomes evictable";
  EXPECT_EQ(room_for_next(3, 3, 1s, 1s).kind, CapRoom::Kind::evict_oldest);
  EXPECT_EQ(room_for_next(5, 3, 2s, 1s).kind, CapRoom::Kind::evict_oldest) << "over the cap too";
}

TEST(PendingHeads, AtTheCapTheAcceptLoopWaitsThenClosesTheOldestStaleHead) {
  boost::asio::io_context io;
  Metrics metrics;
  PendingHeads heads(metrics);
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  for (int i = 0; i < 4; ++i) {
    sockets.push_back(std::make_unique<tcp::socket>(io));
    sockets.back()->open(tcp::v4());
  }
  EXPECT_EQ(heads.make_room(3, 50ms), 0ns);
  for (int i = 0; i < 3; ++i) heads.accepted();  // counted before their handshakes start
  EXPECT_EQ(heads.size(), 3u);
  EXPECT_GT(heads.make_room(3, 0ns), 0ns) << "none has a head to be stale yet";
  auto first = std::make_unique<PendingHead>(heads, *sockets[0]);
  auto second = std::make_unique<PendingHead>(heads, *sockets[1]);
  auto third = std::make_unique<PendingHead>(heads, *sockets[2]);
  EXPECT_EQ(heads.size(), 3u);
  EXPECT_EQ(metrics.handshakes_in_progress(), 3u);

  auto wait = heads.make_room(3, 50ms);  // at the cap, nobody stale yet: wait, close nothing
  EXPECT_GT(wait, 0ns);
  EXPECT_LE(wait, 50ms);
  EXPECT_FALSE(first->evicted());
  EXPECT_TRUE(sockets[0]->is_open());

  second->done();  // its head arrived: room again
  EXPECT_EQ(heads.make_room(3, 50ms), 0ns);
  EXPECT_FALSE(first->evicted());
  auto fourth = std::make_unique<PendingHead>(heads, *sockets[3]);

  std::this_thread::sleep_for(60ms);  // the oldest's head is now incomplete too long
  EXPECT_EQ(heads.make_room(3, 50ms), 0ns);
  EXPECT_TRUE(first->evicted());
  EXPECT_FALSE(sockets[0]->is_open());
  EXPECT_FALSE(third->evicted());
  EXPECT_TRUE(sockets[2]->is_open());
  EXPECT_EQ(heads.size(), 2u);
  EXPECT_EQ(metrics.handshakes_in_progress(), 2u);

  first.reset();  // an evicted one's end changes no count
  EXPECT_EQ(heads.size(), 2u);
  third.reset();
  fourth.reset();
  second.reset();
  EXPECT_EQ(heads.size(), 0u);
  EXPECT_EQ(metrics.handshakes_in_progress(), 0u);
}

TEST(AcceptBackoff, WaitsLongerWhileFailingAndLogsOnceASecond) {
  AcceptBackoff backoff;
  auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  auto step = backoff.failed(t0);
  EXPECT_EQ(step.wait, 10ms);
  EXPECT_TRUE(step.log);
  EXPECT_EQ(step.failures, 1u);
  std::vector<std::chrono::milliseconds> waits;
  std::chrono::milliseconds elapsed{0};
  int lines = 1;
  std::uint64_t logged_failures = 1;
  for (int i = 0; i < 40; ++i) {
    elapsed += step.wait;
    step = backoff.failed(t0 + elapsed);
    waits.push_back(step.wait);
    if (step.log) ++lines, logged_failures += step.failures;
  }
  EXPECT_EQ(waits[0], 20ms);
  EXPECT_EQ(waits[1], 40ms);
  EXPECT_EQ(waits.back(), 250ms) << "the wait stops growing at 250 ms";
  // About 9.6 s of failures: one line a second, each naming the failures it stands for.
  EXPECT_LE(lines, 1 + static_cast<int>(elapsed / 1s));
  EXPECT_GE(lines, static_cast<int>(elapsed / 1s));
  EXPECT_LE(logged_failures, 41u);
  EXPECT_GT(logged_failures, 30u);

  // Accepts work again: said once, and only when no line was logged in the last second.
  EXPECT_TRUE(backoff.succeeded(t0 + elapsed + 1s)) << "resumed after failures";
  EXPECT_FALSE(backoff.succeeded(t0 + elapsed + 3s)) << "no failure since";
  step = backoff.failed(t0 + elapsed + 4s);
  EXPECT_EQ(step.wait, 10ms) << "a success resets the wait";
  EXPECT_TRUE(step.log);
  EXPECT_FALSE(backoff.succeeded(t0 + elapsed + 4s + 30ms)) << "a line was logged 30 ms ago";
}

TEST(AcceptBackoff, NamesDescriptorExhaustion) {
  EXPECT_EQ(AcceptBackoff::reason(boost::asio::error::no_descriptors), "descriptors");
  EXPECT_EQ(AcceptBackoff::reason(make_error_code(boost::system::errc::too_many_files_open_in_system)),
            "descriptors");
  EXPECT_EQ(AcceptBackoff::reason(boost::asio::error::connection_aborted), "other");
}

}  // namespace
}  // namespace wsfo::gateway
