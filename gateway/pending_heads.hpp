#pragma once
// Handshakes in progress: accepted connections whose request head is not
// complete yet. Each handshake holds a PendingHead while it reads the head;
// the accept loops ask make_room() before they start one, which applies the cap
// (core/gateway/handshake_cap.hpp): below it they accept, at it they wait,
// and a head still incomplete `evict_after` past its accept is closed to make
// room (its read ends with operation_aborted and it asks evicted()).
#include <utility>  // Boost 1.74's asio needs it first
//
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <list>

#include "core/gateway/metrics.hpp"

namespace wsfo::gateway {

class PendingHead;

class PendingHeads {
 public:
  explicit PendingHeads(Metrics& metrics) : metrics_(metrics) {}
  PendingHeads(const PendingHeads&) = delete;
  PendingHeads& operator=(const PendingHeads&) = delete;
  std::size_t size() const { return waiting_.size() + arriving_; }

  // An accept loop took a connection: it counts from now, though its
  // handshake starts (and takes its PendingHead) only once the loop yields,
  // so a loop accepting a backlog in one go sees it.
  void accepted();

  // Zero when the next connection may be accepted now (after closing the
  // oldest handshake if the cap says so); otherwise how long to wait before
  // asking again. The wait is short: a head that completes meanwhile makes
  // room too, and nothing signals it.
  std::chrono::nanoseconds make_room(std::size_t cap, std::chrono::nanoseconds evict_after);

 private:
  friend class PendingHead;
  Metrics& metrics_;
  std::list<PendingHead*> waiting_;  // oldest first
  std::size_t arriving_ = 0;         // accepted, PendingHead not taken yet
};

// Lives in the handshake's coroutine frame, from the accept to the end of
// the head read.
class PendingHead {
 public:
  PendingHead(PendingHeads& heads, boost::asio::ip::tcp::socket& socket);
  ~PendingHead() { done(); }
  PendingHead(const PendingHead&) = delete;
  PendingHead& operator=(const PendingHead&) = delete;

  // The head was read (or the read failed): no longer counted.
  void done();
  // Closed by the cap: the handshake ends without an answer.
  bool evicted() const { return evicted_; }

 private:
  friend class PendingHeads;
  void evict();

  PendingHeads& heads_;
  boost::asio::ip::tcp::socket& socket_;
  std::chrono::steady_clock::time_point accepted_at_;
  std::list<PendingHead*>::iterator position_;
  bool linked_ = false;
  bool evicted_ = false;
};

}  // namespace wsfo::gateway
