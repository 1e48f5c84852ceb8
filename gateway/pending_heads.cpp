#include "gateway/pending_heads.hpp"

#include <algorithm>

#include "core/gateway/handshake_cap.hpp"
#include "process/live_clock.hpp"

namespace wsfo::gateway {

using namespace std::chrono_literals;

// How often an accept loop held at the cap looks again: heads complete at
// thousands a second in a storm, so a few milliseconds let a batch of room
// build up without leaving the backlog waiting noticeably.
constexpr std::chrono::nanoseconds kRoomPoll = 5ms;

std::chrono::nanoseconds PendingHeads::make_room(std::size_t cap, std::chrono::nanoseconds evict_after) {
  const auto oldest_age = waiting_.empty() ? 0ns : process::LiveClock::now() - waiting_.front()->accepted_at_;
  CapRoom room = room_for_next(size(), cap, oldest_age, evict_after);
  switch (room.kind) {
    case CapRoom::Kind::accept:
      return 0ns;
    case CapRoom::Kind::evict_oldest:
      if (waiting_.empty()) break;  // all of them just accepted: none is stale
      waiting_.front()->evict();
      return 0ns;
    case CapRoom::Kind::wait:
      break;
  }
  return std::clamp<std::chrono::nanoseconds>(room.wait_for, 1ms, kRoomPoll);
}

void PendingHeads::accepted() {
  ++arriving_;
  metrics_.set_handshakes_in_progress(size());
}

PendingHead::PendingHead(PendingHeads& heads, boost::asio::ip::tcp::socket& socket)
    : heads_(heads), socket_(socket), accepted_at_(process::LiveClock::now()) {
  if (heads_.arriving_ > 0) --heads_.arriving_;
  position_ = heads_.waiting_.insert(heads_.waiting_.end(), this);
  linked_ = true;
  heads_.metrics_.set_handshakes_in_progress(heads_.size());
}

void PendingHead::done() {
  if (!linked_) return;
  heads_.waiting_.erase(position_);
  linked_ = false;
  heads_.metrics_.set_handshakes_in_progress(heads_.size());
}

void PendingHead::evict() {
  done();
  evicted_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);  // frees the descriptor now; the pending read completes with operation_aborted
}

}  // namespace wsfo::gateway
