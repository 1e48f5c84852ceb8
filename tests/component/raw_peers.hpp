#pragma once
// Raw-socket WebSocket peers for gateway tests that must control every byte:
// a client that writes crafted frames (and may pipeline them behind its
// request head), and a backend that answers the upgrade itself and records
// what it receives, or sends garbage after its 101. Plain blocking POSIX
// sockets; every read and write is bounded by a timeout.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace wsfo::raw_peers {

using namespace std::chrono_literals;

// One frame with `first_byte` (FIN, RSV, opcode) and `payload`; masked with a
// fixed key unless told otherwise.
inline std::string frame(std::uint8_t first_byte, const std::string& payload, bool masked = true) {
  std::string out(1, static_cast<char>(first_byte));
  const std::uint8_t m = masked ? 0x80 : 0;
  const std::size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(m | n);
  } else if (n < 65536) {
    out += static_cast<char>(m | 126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += static_cast<char>(m | 127);
    for (int k = 7; k >= 0; --k) out += static_cast<char>((n >> (8 * k)) & 0xff);
  }
  const char key[4] = {0x11, 0x22, 0x33, 0x44};
  if (masked) out.append(key, 4);
  for (std::size_t i = 0; i < n; ++i) out += masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return out;
}

inline std::string close_payload(std::uint16_t code) {
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
}

struct Frame {
  std::uint8_t first_byte = 0;
  std::string payload;  // unmasked
  std::uint8_t opcode() const { return first_byte & 0x0f; }
  int close_code() const {
    return payload.size() < 2 ? 1005 : (static_cast<std::uint8_t>(payload[0]) << 8) | static_cast<std::uint8_t>(payload[1]);
  }
  std::string close_reason() const { return payload.size() < 2 ? "" : payload.substr(2); }
};

// Takes the first complete frame off `bytes` (masked or not).
inline std::optional<Frame> take_frame(std::string& bytes) {
  if (bytes.size() < 2) return std::nullopt;
  const auto at = [&bytes](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  std::size_t length = at(1) & 0x7f, pos = 2;
  if (length >= 126) {
    const std::size_t n = length == 126 ? 2 : 8;
    if (bytes.size() < 2 + n) return std::nullopt;
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | at(2 + i);
    pos += n;
  }
  const bool masked = at(1) & 0x80;
  if (bytes.size() < pos + (masked ? 4 : 0) + length) return std::nullopt;
  Frame f{at(0), bytes.substr(pos + (masked ? 4 : 0), length)};
  if (masked)
    for (std::size_t i = 0; i < length; ++i) f.payload[i] = static_cast<char>(f.payload[i] ^ bytes[pos + i % 4]);
  bytes.erase(0, pos + (masked ? 4 : 0) + length);
  return f;
}

class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  static Socket connect(const std::string& host, std::uint16_t port) {
    Socket s(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    if (::connect(s.fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("connect to " + host + " failed");
    int one = 1;
    ::setsockopt(s.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return s;
  }
  void send_all(const std::string& bytes) const {
    for (std::size_t sent = 0; sent < bytes.size();) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 3000) != 1) throw std::runtime_error("send timed out");
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
  }
  // Appends what arrives within `timeout` (one read); false at the end of the stream or on timeout.
  bool read_some(std::string& into, std::chrono::milliseconds timeout) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    into.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// A client speaking raw bytes to the gateway.
class RawClient {
 public:
  // Sends the upgrade request and `pipelined` bytes in one write, then reads the answer head.
  RawClient(const std::string& host, std::uint16_t port, const std::string& request, const std::string& pipelined = "")
      : socket_(Socket::connect(host, port)) {
    socket_.send_all(request + pipelined);
    const auto until = std::chrono::steady_clock::now() + 3s;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos && std::chrono::steady_clock::now() < until)
      if (!socket_.read_some(buffer_, 3000ms)) break;
    if (end == std::string::npos) throw std::runtime_error("no answer head: " + buffer_);
    head = buffer_.substr(0, end + 4);
    buffer_.erase(0, end + 4);
    status = head.size() > 12 ? std::stoi(head.substr(9, 3)) : 0;
  }
  void send(const std::string& bytes) { socket_.send_all(bytes); }
  // The next frame from the gateway, or nullopt (end of stream, timeout).
  std::optional<Frame> read_frame(std::chrono::milliseconds timeout = 3000ms) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto f = take_frame(buffer_)) return f;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left <= 0ms || !socket_.read_some(buffer_, left)) return std::nullopt;
    }
  }
  // Skips data frames until a close frame, answers it, and returns it (nullopt: none came).
  std::optional<Frame> read_close(std::chrono::milliseconds timeout = 3000ms) {
    while (auto f = read_frame(timeout)) {
      if (f->opcode() != 8) continue;
      try {
        send(frame(0x88, close_payload(1000)));
      } catch (const std::exception&) {
      }
      return f;
    }
    return std::nullopt;
  }

  std::string head;
  int status = 0;

 private:
  Socket socket_;
  std::string buffer_;
};

// A backend answering every upgrade with a 101 of its own making.
class RawBackend {
 public:
  struct Connection {
    std::mutex mutex;
    std::string with_head;  // bytes after the request head read together with it, before the 101 went out
    std::string after_101;  // every byte received after the 101
    bool ended = false;
    std::string received() {
      std::lock_guard lock(mutex);
      return after_101;
    }
  };

  // `extensions`: the 101's Sec-WebSocket-Extensions (none when empty);
  // `garbage`: bytes sent after the 101 (`with_101`: in the same write).
  explicit RawBackend(const std::string& host, std::string extensions = "", std::string garbage = "",
                      bool with_101 = false)
      : extensions_(std::move(extensions)), garbage_(std::move(garbage)), with_101_(with_101) {
    listener_ = Socket(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    if (::bind(listener_.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_.fd(), 16) != 0)
      throw std::runtime_error("raw backend cannot listen on " + host);
    socklen_t size = sizeof address;
    ::getsockname(listener_.fd(), reinterpret_cast<sockaddr*>(&address), &size);
    this->address = host + ":" + std::to_string(ntohs(address.sin_port));
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~RawBackend() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : serving_) t.join();
  }
  // The n-th connection accepted, once it exists (waits up to 3 s).
  std::shared_ptr<Connection> connection(std::size_t n) {
    for (int i = 0; i < 300; ++i) {
      {
        std::lock_guard lock(mutex_);
        if (connections_.size() > n) return connections_[n];
      }
      std::this_thread::sleep_for(10ms);
    }
    throw std::runtime_error("the raw backend got no connection " + std::to_string(n));
  }

  std::string address;

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listener_.fd(), POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      auto connection = std::make_shared<Connection>();
      {
        std::lock_guard lock(mutex_);
        connections_.push_back(connection);
      }
      serving_.emplace_back([this, connection, s = Socket(::accept(listener_.fd(), nullptr, nullptr))]() mutable {
        serve(std::move(s), *connection);
      });
    }
  }

  void serve(Socket s, Connection& c) {
    std::string in;
    std::size_t end;
    while ((end = in.find("\r\n\r\n")) == std::string::npos && !stop_) s.read_some(in, 50ms);
    if (stop_) return;
    std::string answer =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
    if (!extensions_.empty()) answer += "Sec-WebSocket-Extensions: " + extensions_ + "\r\n";
    answer += "\r\n";
    {
      std::lock_guard lock(c.mutex);
      c.with_head = in.substr(end + 4);
      c.after_101 = c.with_head;
    }
    s.send_all(with_101_ ? answer + garbage_ : answer);
    if (!with_101_ && !garbage_.empty()) {
      std::this_thread::sleep_for(50ms);
      s.send_all(garbage_);
    }
    std::string unparsed;
    while (!stop_) {
      std::string chunk;
      pollfd p{s.fd(), POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      if (!s.read_some(chunk, 0ms)) break;
      std::lock_guard lock(c.mutex);
      c.after_101 += chunk;
      unparsed += chunk;
      bool closed = false;
      while (auto f = take_frame(unparsed)) closed = closed || f->opcode() == 8;
      if (closed) {  // answer the close handshake, then hang up
        s.send_all(frame(0x88, close_payload(1000), false));
        break;
      }
    }
    std::lock_guard lock(c.mutex);
    c.ended = true;
  }

  std::string extensions_, garbage_;
  bool with_101_;
  Socket listener_;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> serving_;  // only the acceptor thread adds, before the destructor joins
  std::mutex mutex_;
  std::vector<std::shared_ptr<Connection>> connections_;
};

}  // namespace wsfo::raw_peers
