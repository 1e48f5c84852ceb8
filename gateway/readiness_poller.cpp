#include "gateway/readiness_poller.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace wsfo::gateway {

namespace {

int create_epoll_set() {
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1 for the relay");
  return fd;
}

// A handle is the entry's generation and its index + 1 (so never 0).
std::uint64_t make_handle(std::uint32_t index, std::uint32_t generation) {
  return (std::uint64_t{generation} << 32) | (std::uint64_t{index} + 1);
}
std::uint32_t index_of(std::uint64_t handle) { return static_cast<std::uint32_t>((handle & 0xffffffffu) - 1); }
std::uint32_t generation_of(std::uint64_t handle) { return static_cast<std::uint32_t>(handle >> 32); }

}  // namespace

ReadinessPoller::ReadinessPoller(boost::asio::io_context& io) : epoll_fd_(create_epoll_set()) {
  set_.emplace(io, epoll_fd_);  // owns the descriptor from here on
}

ReadinessPoller::~ReadinessPoller() { close(); }

void ReadinessPoller::close() {
  if (!set_) return;
  boost::system::error_code ignored;
  set_->close(ignored);  // the pending wait ends with operation_aborted and touches nothing
  set_.reset();
  epoll_fd_ = -1;
}

ReadinessPoller::Handle ReadinessPoller::add(int fd, ReadinessTarget& target, std::string& error) {
  if (!set_) {
    error = "the relay's epoll set is closed";
    return 0;
  }
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& entry = entries_[index];
  Handle handle = make_handle(index, entry.generation);
  epoll_event event{};
  // Edge-triggered: the relay reads a socket dry, or writes until it would
  // block, before it waits again. Room to write raises an edge only after a
  // write found the socket full, so EPOLLOUT costs no wakeup otherwise.
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.u64 = handle;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    error = std::string("epoll_ctl(ADD): ") + std::strerror(errno);
    free_.push_back(index);
    return 0;
  }
  entry.target = &target;
  ++size_;
  if (!armed_) arm();
  return handle;
}

void ReadinessPoller::remove(Handle handle, int fd) {
  if (handle == 0 || !set_) return;
  auto index = index_of(handle);
  Entry& entry = entries_[index];
  if (entry.target == nullptr || entry.generation != generation_of(handle)) return;
  epoll_event unused{};
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, &unused);  // fails only when fd is already closed: nothing to undo
  entry.target = nullptr;
  ++entry.generation;
  free_.push_back(index);
  --size_;
}

void ReadinessPoller::arm() {
  armed_ = true;
  set_->async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted || !set_) return;  // the poller is closing
    armed_ = false;
    dispatch_ready();
    if (size_ > 0 && !armed_) arm();  // a target may have added one (and armed) meanwhile
  });
}

// Batches until the set is empty or a batch's worth of sockets was served:
// under load, the sockets that became ready while one batch was served make
// the next, and each extra batch taken here spares a round through Asio's
// reactor. The budget gives the accept loop and timers their turn.
void ReadinessPoller::dispatch_ready() {
  std::size_t served = 0;
  while (served < kBatch) {
    int n = epoll_wait(epoll_fd_, ready_.data(), static_cast<int>(ready_.size()), 0);
    if (n <= 0) return;
    for (int i = 0; i < n; ++i) {
      Handle handle = ready_[static_cast<std::size_t>(i)].data.u64;
      const Entry& entry = entries_[index_of(handle)];
      // A target served earlier in this batch may have removed (and so closed) another.
      if (entry.target != nullptr && entry.generation == generation_of(handle))
        entry.target->on_readiness(ready_[static_cast<std::size_t>(i)].events);
    }
    served += static_cast<std::size_t>(n);
  }
}

}  // namespace wsfo::gateway
