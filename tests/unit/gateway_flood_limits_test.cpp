// The two flood policies of the gateway, without sockets doing I/O: the cap
// on handshakes in progress closes the oldest waiting one, and a failing
// accept loop waits longer each time and logs at most once a second.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

#include "gateway/accept_backoff.hpp"
#include "gateway/pending_heads.hpp"

namespace wsfo::gateway {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;

TEST(PendingHeads, OverTheCapTheOldestWaitingHandshakeIsClosed) {
  boost::asio::io_context io;
  Metrics metrics;
  PendingHeads heads(metrics);
  std::vector<std::unique_ptr<tcp::socket>> sockets;
  for (int i = 0; i < 5; ++i) {
    sockets.push_back(std::make_unique<tcp::socket>(io));
    sockets.back()->open(tcp::v4());
  }
  auto first = std::make_unique<PendingHead>(heads, *sockets[0], 3);
  auto second = std::make_unique<PendingHead>(heads, *sockets[1], 3);
  auto third = std::make_unique<PendingHead>(heads, *sockets[2], 3);
  EXPECT_EQ(heads.size(), 3u);
  EXPECT_EQ(metrics.handshakes_in_progress(), 3u);

  second->done();  // its head arrived: no longer counted, so no one is closed for the next
  auto fourth = std::make_unique<PendingHead>(heads, *sockets[3], 3);
  EXPECT_FALSE(first->evicted());
  EXPECT_TRUE(sockets[0]->is_open());

  auto fifth = std::make_unique<PendingHead>(heads, *sockets[4], 3);  // over the cap: the oldest goes
  EXPECT_TRUE(first->evicted());
  EXPECT_FALSE(sockets[0]->is_open());
  EXPECT_FALSE(third->evicted());
  EXPECT_TRUE(sockets[2]->is_open());
  EXPECT_EQ(heads.size(), 3u);
  EXPECT_EQ(metrics.handshakes_in_progress(), 3u);

  first.reset();  // an evicted one's end changes no count
  third.reset();
  EXPECT_EQ(heads.size(), 2u);
  fourth.reset();
  fifth.reset();
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
