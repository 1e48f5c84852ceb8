#pragma once
// A relayed socket, released from Asio so that only the relay's poller
// watches it (readiness_poller.hpp says why), and used as a plain
// non-blocking descriptor with recv and send.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <cerrno>

namespace wsfo::gateway {

class Descriptor {
 public:
  explicit Descriptor(boost::asio::ip::tcp::socket socket) {
    boost::system::error_code ec;
    fd_ = socket.release(ec);
    if (ec) fd_ = -1;  // the socket closes it; the relay's watch() then fails
    if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~Descriptor() { close(); }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;

  int fd() const { return fd_; }
  void close() {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

inline bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

// Linux: connect() with AF_UNSPEC disconnects a TCP socket in place and sends
// a RST when it was established. Unlike SO_LINGER 0 + close(), it works while
// the relay still owns the descriptor, which then sees the reset itself.
inline bool reset_in_place(int fd) {
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  return ::connect(fd, &unspec, sizeof unspec) == 0;
}

}  // namespace wsfo::gateway
