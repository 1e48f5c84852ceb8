#pragma once
// The adverts a VRRP backup receives, each stamped with CLOCK_MONOTONIC when
// it arrives, without touching the agent or keepalived: a raw IPv4 socket
// gets a copy of every packet of its protocol while the stack still delivers
// the original. Real keepalived: protocol 112 (VRRP) inside the backup's
// network namespace; wsfo's emulation: UDP on loopback, filtered on the
// backup's address and advert port.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wsfo::bench {

struct AdvertFilter {
  int protocol = 112;                     // IPPROTO_VRRP, or IPPROTO_UDP
  std::string source;                     // the master's address
  std::string destination;                // the backup's address
  std::optional<std::uint16_t> udp_port;  // UDP only: the destination port (the advert port)
};

class AdvertCapture {
 public:
  // "" network namespace: the current one. nullptr with a one-line `error`
  // when the socket cannot be opened (raw sockets need CAP_NET_RAW).
  static std::unique_ptr<AdvertCapture> open(const std::string& network_namespace, const AdvertFilter& filter,
                                             std::string& error);
  ~AdvertCapture();  // stops the reader thread, closes the socket
  AdvertCapture(const AdvertCapture&) = delete;
  AdvertCapture& operator=(const AdvertCapture&) = delete;

  // CLOCK_MONOTONIC ns of every matching packet since the last clear().
  std::vector<std::int64_t> times() const;
  void clear();

 private:
  AdvertCapture(int fd, AdvertFilter filter);
  void read_loop();
  bool matches(const unsigned char* packet, std::size_t length) const;

  int fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  AdvertFilter filter_;
  std::uint32_t source_ = 0;       // network order
  std::uint32_t destination_ = 0;  // network order
  mutable std::mutex mutex_;
  std::vector<std::int64_t> times_;
  std::thread reader_;
};

}  // namespace wsfo::bench
