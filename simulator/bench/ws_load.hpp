#pragma once
// The load generator of `wsfo bench gateway`: a minimal raw WebSocket client
// (fixed handshake, unmasked-by-zero-key frames) so the client costs little
// next to the proxy it measures. Every connection binds its own loopback
// source address (127.77.x.y) so ephemeral ports do not run out.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace wsfo::bench {

struct Target {
  std::string host;  // numeric IPv4
  unsigned short port = 0;
};

struct EchoResult {
  std::size_t connected = 0;
  std::uint64_t round_trips = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  std::string error;  // empty when every connection was set up

  double per_second() const { return seconds > 0 ? static_cast<double>(round_trips) / seconds : 0; }
};

// Opens `connections`, then each one sends `message_size` bytes, waits for
// the echo and repeats for `duration`; latency is per round trip. The
// connections are shared out over `threads` load threads.
EchoResult run_echo(const Target& target, std::size_t connections, std::chrono::nanoseconds duration,
                    std::size_t message_size, std::size_t threads);

struct SessionResult {
  std::uint64_t sessions = 0;  // connect + upgrade + close handshake completed
  std::uint64_t failures = 0;
  double seconds = 0;

  double per_second() const { return seconds > 0 ? static_cast<double>(sessions) / seconds : 0; }
};

// `concurrency` loops of connect, upgrade, close for `duration`.
SessionResult run_sessions(const Target& target, std::size_t concurrency, std::chrono::nanoseconds duration);

// Connections held open (and read, so the proxy never buffers for them) on
// a thread of their own until close() or destruction.
class IdleConnections {
 public:
  IdleConnections();
  ~IdleConnections();
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  // Returns how many were upgraded before `timeout`.
  std::size_t open(const Target& target, std::size_t count, std::chrono::milliseconds timeout);
  // Waits until no byte arrived for `quiet` (the backends announce every new
  // connection to the others), at most `timeout`.
  void wait_quiet(std::chrono::milliseconds quiet, std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsfo::bench
