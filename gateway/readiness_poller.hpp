#pragma once
// Readiness of the relayed sockets, for the relay, which owns them as plain
// descriptors (released from Asio).
//
// Why not Asio's reactor: in Boost 1.74 every socket::async_wait re-registers
// the descriptor with epoll_ctl(EPOLL_CTL_MOD), a third system call per
// relayed message and direction next to the read and the write (about 6% of
// the gateway's CPU in `wsfo bench gateway`; nginx makes no such call), and a
// socket Asio knows stays in Asio's own epoll set, which reports every arrival
// a second time. Here each socket is added once, edge-triggered for reading
// and writing, to an epoll set of the poller's own; Asio waits on that set's
// descriptor, and one wakeup hands out a whole batch of ready sockets, as
// nginx's event loop does.
#include <sys/epoll.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wsfo::gateway {

// Told when its socket may have become readable or writable, or hung up, or
// failed: `events` is epoll's mask (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP,
// EPOLLERR).
class ReadinessTarget {
 public:
  virtual void on_readiness(std::uint32_t events) = 0;

 protected:
  ~ReadinessTarget() = default;
};

class ReadinessPoller {
 public:
  // Throws std::system_error when the epoll set cannot be created.
  explicit ReadinessPoller(boost::asio::io_context& io);
  ReadinessPoller(const ReadinessPoller&) = delete;
  ReadinessPoller& operator=(const ReadinessPoller&) = delete;
  ~ReadinessPoller();

  // Closes the set; add() and remove() then do nothing. Before the
  // io_context goes (its descriptor service must outlive the descriptor).
  void close();

  // A handle for remove(); 0 means "not added".
  using Handle = std::uint64_t;

  // Starts telling `target` of readiness edges of `fd`, for reading and for
  // writing. A state that holds already (readable data, room to write) is
  // reported once. "" in `error` on success.
  Handle add(int fd, ReadinessTarget& target, std::string& error);
  // Stops it; events of `handle` still queued are dropped. Before `fd` is closed.
  void remove(Handle handle, int fd);

  std::size_t size() const { return size_; }

 private:
  void arm();
  void dispatch_ready();

  struct Entry {
    ReadinessTarget* target = nullptr;  // null while free
    std::uint32_t generation = 0;       // bumped on remove, so stale events miss
  };
  static constexpr std::size_t kBatch = 512;

  int epoll_fd_ = -1;
  std::optional<boost::asio::posix::stream_descriptor> set_;  // empty once closed
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_;
  std::size_t size_ = 0;
  std::array<epoll_event, kBatch> ready_{};
  bool armed_ = false;
};

}  // namespace wsfo::gateway
