#pragma once
// The client fleet of `wsfo bench storm`: N WebSocket clients, all connected
// through one node; once armed, a client whose connection ends dials the
// surviving nodes (client i starts at survivor i mod S and moves to the next
// one after a failed attempt, as a client with several addresses for one
// name does) until one upgrades or the window ends. Every connection binds
// its own loopback source address in 127.86.x.y.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "simulator/bench/ws_load.hpp"

namespace wsfo::bench {

// What the fleet saw after the fault; times are from the fault.
struct StormFigures {
  std::size_t clients = 0;
  std::size_t disconnected = 0;    // connections that ended after the fault
  std::size_t rehomed = 0;         // of those, upgraded again through a survivor
  std::size_t never_returned = 0;  // disconnected - rehomed: not back within the window
  std::size_t lost_before = 0;     // connections that ended before the fault (a problem)
  std::uint64_t failed_attempts = 0;  // reconnect attempts that did not end in a 101
  std::uint64_t open_retries = 0;     // attempts through node A, before the fault, that were retried
  double rehomed_50_ms = 0;
  double rehomed_99_ms = 0;
  double rehomed_100_ms = 0;
  double handshake_p50_ms = 0;  // connect to 101 of the successful reconnects
  double handshake_p99_ms = 0;
};

class StormClients {
 public:
  // `attempt_timeout` bounds one reconnect attempt (connect, request, 101).
  StormClients(std::vector<Target> survivors, std::chrono::milliseconds attempt_timeout);
  ~StormClients();
  StormClients(const StormClients&) = delete;
  StormClients& operator=(const StormClients&) = delete;

  // Opens `count` connections through `first` (a failed attempt is retried
  // after a pause); returns how many upgraded before `timeout`. Call once.
  std::size_t open(const Target& first, std::size_t count, std::chrono::milliseconds timeout);
  // From now on a connection that ends counts as disconnected by the fault
  // and reconnects; times are measured from this call. Call right before the fault.
  void arm();
  // Waits until every upgraded connection ended and came back, or `window`
  // after arm() passed; then stops the fleet (its connections close) and
  // returns the figures.
  StormFigures finish(std::chrono::milliseconds window);

  // While it runs, for a progress line (any thread): clients upgraded
  // through the first node so far; after the fault, disconnected and back.
  std::size_t upgraded_now() const;
  std::size_t disconnected_now() const;
  std::size_t back_now() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsfo::bench
