// The relay's readiness poller on socket pairs: each edge reaches the target
// that was added for it, a removed target hears nothing more, a handle
// reused for a new socket does not receive the old one's events, and a full
// socket reports room to write once drained.
#include <sys/epoll.h>
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

// Counts the reports that say "readable" (or hung up); `writable`, those that say "room to write".
struct Counter final : gateway::ReadinessTarget {
  int calls = 0;
  int writable = 0;
  void on_readiness(std::uint32_t events) override {
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) ++calls;
    if (events & EPOLLOUT) ++writable;
  }
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

// One poller on its own io_context; settle() runs what is ready now, then
// what becomes ready within 50 ms.
class ReadinessPollerTest : public ::testing::Test {
 protected:
  void settle() {
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
  }
  ReadinessPoller::Handle add(int fd, Counter& target) { return poller.add(fd, target, error); }

  boost::asio::io_context io;
  ReadinessPoller poller{io};
  std::string error;
};

TEST_F(ReadinessPollerTest, EachEdgeReachesItsTargetOnce) {
  SocketPair a, b;
  Counter on_a, on_b;
  auto handle_a = add(a.fd[0], on_a);
  ASSERT_EQ(error, "");
  add(b.fd[0], on_b);
  ASSERT_EQ(error, "");
  EXPECT_NE(handle_a, 0u);
  EXPECT_EQ(poller.size(), 2u);

  a.send_byte();
  settle();
  EXPECT_EQ(on_a.calls, 1);
  EXPECT_EQ(on_b.calls, 0);

  settle();  // edge-triggered: unread data raises no second call
  EXPECT_EQ(on_a.calls, 1);

  a.drain();
  a.send_byte();
  b.send_byte();
  settle();
  EXPECT_EQ(on_a.calls, 2);
  EXPECT_EQ(on_b.calls, 1);
}

TEST_F(ReadinessPollerTest, ARemovedTargetHearsNothingAndItsHandleDoesNotReachTheNextOne) {
  SocketPair first, second;
  Counter on_first, on_second;
  auto old_handle = add(first.fd[0], on_first);
  ASSERT_EQ(error, "");
  poller.remove(old_handle, first.fd[0]);
  EXPECT_EQ(poller.size(), 0u);
  first.send_byte();
  settle();
  EXPECT_EQ(on_first.calls, 0);

  auto new_handle = add(second.fd[0], on_second);  // reuses the freed entry
  ASSERT_EQ(error, "");
  EXPECT_NE(new_handle, old_handle);
  poller.remove(old_handle, second.fd[0]);  // stale: must not remove the new registration
  EXPECT_EQ(poller.size(), 1u);
  second.send_byte();
  settle();
  EXPECT_EQ(on_second.calls, 1);
}

TEST_F(ReadinessPollerTest, AHangUpIsReportedAsReadiness) {
  SocketPair pair;
  Counter target;
  add(pair.fd[0], target);
  ASSERT_EQ(error, "");
  shutdown(pair.fd[1], SHUT_WR);
  settle();
  EXPECT_EQ(target.calls, 1);
}

// The relay parks a pump on a full sink until the poller says it has room:
// that edge must come once the peer drains it, and not before.
TEST_F(ReadinessPollerTest, AFullSocketReportsRoomOnceThePeerDrainsIt) {
  SocketPair pair;
  Counter target;
  add(pair.fd[1], target);  // the writing end
  ASSERT_EQ(error, "");
  settle();
  EXPECT_EQ(target.writable, 1);  // room at the start is reported once
  char block[4096] = {};
  while (write(pair.fd[1], block, sizeof block) > 0) {
  }
  ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
  settle();
  EXPECT_EQ(target.writable, 1);  // full: no report
  char sink[65536];
  while (read(pair.fd[0], sink, sizeof sink) > 0) {
  }
  settle();
  EXPECT_EQ(target.writable, 2);
  EXPECT_EQ(target.calls, 0);  // nothing to read on the writing end
}

TEST_F(ReadinessPollerTest, AnInvalidDescriptorIsRefusedWithTheReason) {
  Counter target;
  EXPECT_EQ(add(-1, target), 0u);
  EXPECT_NE(error.find("epoll_ctl(ADD)"), std::string::npos) << error;
  EXPECT_EQ(poller.size(), 0u);
}

}  // namespace
}  // namespace wsfo::gateway_test
