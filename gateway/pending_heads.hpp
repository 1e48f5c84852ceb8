#pragma once
// The cap on handshakes in progress: accepted connections whose request head
// is not complete yet. Each handshake holds a PendingHead while it reads the
// head; when a new one would exceed the cap, the oldest waiting one is closed
// (its read ends with operation_aborted and it asks evicted()). A flood of
// silent connections thus holds at most `cap` descriptors and head buffers,
// while a client that sends its head at once is read before it is the oldest.
#include <utility>  // Boost 1.74's asio needs it first
//
#include <boost/asio/ip/tcp.hpp>
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
  std::size_t size() const { return waiting_.size(); }

 private:
  friend class PendingHead;
  Metrics& metrics_;
  std::list<PendingHead*> waiting_;  // oldest first
};

// Lives in the handshake's coroutine frame, from the accept to the end of
// the head read.
class PendingHead {
 public:
  PendingHead(PendingHeads& heads, boost::asio::ip::tcp::socket& socket, std::size_t cap)
      : heads_(heads), socket_(socket) {
    while (heads_.waiting_.size() >= cap && !heads_.waiting_.empty()) heads_.waiting_.front()->evict();
    position_ = heads_.waiting_.insert(heads_.waiting_.end(), this);
    linked_ = true;
    heads_.metrics_.set_handshakes_in_progress(heads_.waiting_.size());
  }
  ~PendingHead() { done(); }
  PendingHead(const PendingHead&) = delete;
  PendingHead& operator=(const PendingHead&) = delete;

  // The head was read (or the read failed): no longer counted.
  void done() {
    if (!linked_) return;
    heads_.waiting_.erase(position_);
    linked_ = false;
    heads_.metrics_.set_handshakes_in_progress(heads_.waiting_.size());
  }
  // Closed by the cap: the handshake ends without an answer.
  bool evicted() const { return evicted_; }

 private:
  void evict() {
    done();
    evicted_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);  // frees the descriptor now; the pending read completes with operation_aborted
  }

  PendingHeads& heads_;
  boost::asio::ip::tcp::socket& socket_;
  std::list<PendingHead*>::iterator position_;
  bool linked_ = false;
  bool evicted_ = false;
};

}  // namespace wsfo::gateway
