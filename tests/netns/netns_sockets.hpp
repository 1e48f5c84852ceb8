#pragma once
// Sockets opened inside a named network namespace, for probing a testbed
// without starting processes: a thread enters the namespace (setns only moves
// the calling thread) and creates the socket, which stays in that namespace
// whichever thread uses it afterwards.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace wsfo::stack::netns_test {

// -errno on failure.
inline int socket_in_namespace(const std::string& netns, int type, int protocol = 0) {
  int result = -EINVAL;
  std::thread([&] {
    int netns_fd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (netns_fd < 0) {
      result = -errno;
      return;
    }
    if (setns(netns_fd, CLONE_NEWNET) == 0) {
      result = socket(AF_INET, type | SOCK_CLOEXEC, protocol);
      if (result < 0) result = -errno;
    } else {
      result = -errno;
    }
    close(netns_fd);
  }).join();
  return result;
}

inline sockaddr_in ipv4(const std::string& address, std::uint16_t port) {
  sockaddr_in result{};
  result.sin_family = AF_INET;
  result.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &result.sin_addr);
  return result;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// A TCP listener on address:port in `netns`; "" or why not.
inline std::string listen_in(const std::string& netns, const std::string& address, std::uint16_t port, Fd& out) {
  int fd = socket_in_namespace(netns, SOCK_STREAM);
  if (fd < 0) return std::string("socket: ") + std::strerror(-fd);
  out.reset(fd);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in local = ipv4(address, port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
    return std::string("bind: ") + std::strerror(errno);
  if (listen(fd, 16) != 0) return std::string("listen: ") + std::strerror(errno);
  return "";
}

// A TCP connection from `netns` (from `source` when not empty) to address:port
// within `timeout`; "" or why not.
inline std::string connect_from(const std::string& netns, const std::string& source, const std::string& address,
                                std::uint16_t port, std::chrono::milliseconds timeout) {
  Fd fd(socket_in_namespace(netns, SOCK_STREAM | SOCK_NONBLOCK));
  if (fd.get() < 0) return std::string("socket: ") + std::strerror(-fd.get());
  if (!source.empty()) {
    sockaddr_in local = ipv4(source, 0);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
      return "bind " + source + ": " + std::strerror(errno);
  }
  sockaddr_in remote = ipv4(address, port);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 && errno != EINPROGRESS)
    return std::string("connect: ") + std::strerror(errno);
  pollfd wait{fd.get(), POLLOUT, 0};
  if (poll(&wait, 1, static_cast<int>(timeout.count())) != 1) return "connect: timed out";
  int error = 0;
  socklen_t length = sizeof error;
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length);
  return error == 0 ? "" : std::string("connect: ") + std::strerror(error);
}

// The peer address of the next connection `listener` accepts, "" if none within a second.
inline std::string accepted_peer(const Fd& listener) {
  pollfd wait{listener.get(), POLLIN, 0};
  if (poll(&wait, 1, 1000) != 1) return "";
  sockaddr_in peer{};
  socklen_t length = sizeof peer;
  Fd accepted(accept(listener.get(), reinterpret_cast<sockaddr*>(&peer), &length));
  if (accepted.get() < 0) return "";
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
  return text;
}

}  // namespace wsfo::stack::netns_test
