#include "simulator/bench/takeover_capture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "process/live_clock.hpp"

namespace wsfo::bench {

namespace {

// A raw socket in `network_namespace`: setns() moves only the calling thread,
// so a thread of its own enters the namespace and opens the socket, which
// stays in that namespace whichever thread reads it. -errno on failure.
int raw_socket_in(const std::string& network_namespace, int protocol, std::string& step) {
  int result = -EINVAL;
  std::thread([&] {
    if (!network_namespace.empty()) {
      int netns_fd = ::open(("/run/netns/" + network_namespace).c_str(), O_RDONLY | O_CLOEXEC);
      if (netns_fd < 0) {
        result = -errno;
        step = "opening /run/netns/" + network_namespace;
        return;
      }
      int entered = setns(netns_fd, CLONE_NEWNET);
      int saved = errno;
      ::close(netns_fd);
      if (entered != 0) {
        result = -saved;
        step = "entering network namespace " + network_namespace;
        return;
      }
    }
    result = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (result < 0) {
      result = -errno;
      step = "opening a raw socket for IP protocol " + std::to_string(protocol);
    }
  }).join();
  return result;
}

}  // namespace

std::unique_ptr<AdvertCapture> AdvertCapture::open(const std::string& network_namespace, const AdvertFilter& filter,
                                                   std::string& error) {
  in_addr source{}, destination{};
  if (inet_pton(AF_INET, filter.source.c_str(), &source) != 1 ||
      inet_pton(AF_INET, filter.destination.c_str(), &destination) != 1) {
    error = "advert capture: '" + filter.source + "' or '" + filter.destination + "' is not an IPv4 address";
    return nullptr;
  }
  std::string step;
  int fd = raw_socket_in(network_namespace, filter.protocol, step);
  if (fd < 0) {
    error = "advert capture: " + step + " failed: " + std::strerror(-fd) +
            (fd == -EPERM ? " (raw sockets need root or CAP_NET_RAW)" : "");
    return nullptr;
  }
  std::unique_ptr<AdvertCapture> capture(new AdvertCapture(fd, filter));
  capture->source_ = source.s_addr;
  capture->destination_ = destination.s_addr;
  if (pipe2(capture->stop_pipe_, O_CLOEXEC) != 0) {
    error = std::string("advert capture: pipe: ") + std::strerror(errno);
    return nullptr;
  }
  capture->reader_ = std::thread([raw = capture.get()] { raw->read_loop(); });
  return capture;
}

AdvertCapture::AdvertCapture(int fd, AdvertFilter filter) : fd_(fd), filter_(std::move(filter)) {}

AdvertCapture::~AdvertCapture() {
  if (reader_.joinable()) {
    char byte = 0;
    [[maybe_unused]] auto written = ::write(stop_pipe_[1], &byte, 1);
    reader_.join();
  }
  for (int fd : {fd_, stop_pipe_[0], stop_pipe_[1]})
    if (fd >= 0) ::close(fd);
}

std::vector<std::int64_t> AdvertCapture::times() const {
  std::lock_guard lock(mutex_);
  return times_;
}

void AdvertCapture::clear() {
  std::lock_guard lock(mutex_);
  times_.clear();
}

bool AdvertCapture::matches(const unsigned char* packet, std::size_t length) const {
  // A raw IPv4 socket reads the IP header too.
  if (length < 20 || (packet[0] >> 4) != 4) return false;
  const std::size_t header = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
  if (header < 20 || length < header || packet[9] != filter_.protocol) return false;
  std::uint32_t source = 0, destination = 0;
  std::memcpy(&source, packet + 12, 4);
  std::memcpy(&destination, packet + 16, 4);
  if (source != source_ || destination != destination_) return false;
  if (!filter_.udp_port) return true;
  if (length < header + 8) return false;
  const std::uint16_t port = static_cast<std::uint16_t>((packet[header + 2] << 8) | packet[header + 3]);
  return port == *filter_.udp_port;
}

void AdvertCapture::read_loop() {
  unsigned char packet[2048];
  pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
  while (true) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    ssize_t length = recv(fd_, packet, sizeof packet, MSG_DONTWAIT);
    // Stamped before the filter: the figure is about arrival, not our parsing.
    const std::int64_t now = process::LiveClock::now_ns();
    if (length <= 0 || !matches(packet, static_cast<std::size_t>(length))) continue;
    std::lock_guard lock(mutex_);
    times_.push_back(now);
  }
}

}  // namespace wsfo::bench
