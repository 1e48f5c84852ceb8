// The relay's readiness poller on socket pairs: each edge reaches the target
// that was added for it, a removed target hears nothing more, and a handle
// reused for a new socket does not receive the old one's events.
#include <sys/socket.h>
#include <unistd.h>

#include <utility>  // Boost 1.74's asio needs it first
//
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "gateway/readiness_poller.hpp"
#include "gtest/gtest.h"

namespace wsfo::gateway_test {
namespace {

using gateway::ReadinessPoller;

struct Counter final : gateway::ReadinessTarget {
  int calls = 0;
  void on_readiness() override { ++calls; }
};

struct SocketPair {
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0); }
  ~SocketPair() {
    close(fd[0]);
    close(fd[1]);
  }
  void send_byte() const { EXPECT_EQ(write(fd[1], "x", 1), 1); }
  void drain() const {
    char buffer[64];
    while (read(fd[0], buffer, sizeof buffer) > 0) {
    }
  }
  int fd[2] = {-1, -1};
};

// Runs what is ready now, then what becomes ready within 50 ms.
void settle(boost::asio::io_context& io) {
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
}

TEST(ReadinessPoller, EachEdgeReachesItsTargetOnce) {
  boost::asio::io_context io;
  ReadinessPoller poller(io);
  SocketPair a, b;
  Counter on_a, on_b;
  std::string error;
  auto handle_a = poller.add(a.fd[0], on_a, error);
  ASSERT_EQ(error, "");
  poller.add(b.fd[0], on_b, error);
  ASSERT_EQ(error, "");
  EXPECT_NE(handle_a, 0u);
  EXPECT_EQ(poller.size(), 2u);

  a.send_byte();
  settle(io);
  EXPECT_EQ(on_a.calls, 1);
  EXPECT_EQ(on_b.calls, 0);

  settle(io);  // edge-triggered: unread data raises no second call
  EXPECT_EQ(on_a.calls, 1);

  a.drain();
  a.send_byte();
  b.send_byte();
  settle(io);
  EXPECT_EQ(on_a.calls, 2);
  EXPECT_EQ(on_b.calls, 1);
}

TEST(ReadinessPoller, ARemovedTargetHearsNothingAndItsHandleDoesNotReachTheNextOne) {
  boost::asio::io_context io;
  ReadinessPoller poller(io);
  SocketPair first, second;
  Counter on_first, on_second;
  std::string error;
  auto old_handle = poller.add(first.fd[0], on_first, error);
  ASSERT_EQ(error, "");
  poller.remove(old_handle, first.fd[0]);
  EXPECT_EQ(poller.size(), 0u);
  first.send_byte();
  settle(io);
  EXPECT_EQ(on_first.calls, 0);

  auto new_handle = poller.add(second.fd[0], on_second, error);  // reuses the freed entry
  ASSERT_EQ(error, "");
  EXPECT_NE(new_handle, old_handle);
  poller.remove(old_handle, second.fd[0]);  // stale: must not remove the new registration
  EXPECT_EQ(poller.size(), 1u);
  second.send_byte();
  settle(io);
  EXPECT_EQ(on_second.calls, 1);
}

TEST(ReadinessPoller, AHangUpIsReportedAsReadiness) {
  boost::asio::io_context io;
  ReadinessPoller poller(io);
  SocketPair pair;
  Counter target;
  std::string error;
  poller.add(pair.fd[0], target, error);
  ASSERT_EQ(error, "");
  shutdown(pair.fd[1], SHUT_WR);
  settle(io);
  EXPECT_EQ(target.calls, 1);
}

TEST(ReadinessPoller, AnInvalidDescriptorIsRefusedWithTheReason) {
  boost::asio::io_context io;
  ReadinessPoller poller(io);
  Counter target;
  std::string error;
  EXPECT_EQ(poller.add(-1, target, error), 0u);
  EXPECT_NE(error.find("epoll_ctl(ADD)"), std::string::npos) << error;
  EXPECT_EQ(poller.size(), 0u);
}

}  // namespace
}  // namespace wsfo::gateway_test
