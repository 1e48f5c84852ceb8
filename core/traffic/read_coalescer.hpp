#pragma once
// The reads a gateway makes to relay a fan-out (one message to each of a set
// of connections: an `announce: all`). The live gateway relays raw bytes: a
// connection whose earlier message still waits in the queue gets its read
// later, and that one read takes the new message along. So while the gateway
// is behind, a burst of fan-outs to the same clients costs one relay per
// client per round through the queue, plus the bytes, not one per message.
// One coalescer per connection set (a backend's clients through a gateway);
// positions are the CPU queue's (CpuQueue::served_at, tail_at).
#include <cstdint>
#include <deque>

namespace wsfo::traffic {

class ReadCoalescer {
 public:
  // A message to each of `connections` while the CPU has served up to
  // `served`: how many of them need a new read (the others have one queued).
  std::uint64_t new_reads(std::uint64_t connections, double served);
  // Those reads were queued over [from, to) of the queue.
  void queued(std::uint64_t reads, double from, double to);
  void clear() { batches_.clear(); }
  std::size_t batches() const { return batches_.size(); }

 private:
  struct Batch {
    double from = 0, to = 0;
    std::uint64_t reads = 0;
  };
  std::deque<Batch> batches_;  // oldest first; each connection is in at most one
};

}  // namespace wsfo::traffic
