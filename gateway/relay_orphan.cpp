// A relayed connection whose VIP left this node while it lives (docs/vrrp.md,
// "Releasing a VIP"). On real hosts the address is gone from this one: what
// the backend sends no longer reaches the client, which sees neither a reset
// nor an end of file, until its next segment reaches the address's new
// holder, which knows no such connection and answers with a RST. The relay
// plays both halves: it keeps reading the backend (so the backend is never
// blocked) and drops what it reads, and the client's next bytes (or its end)
// reset the client in place and close the backend side as a client reset does.
#include "gateway/relay_connection.hpp"

namespace wsfo::gateway {

void Relay::orphan() {
  if (orphaned_ || finished_) return;
  orphaned_ = true;
  auto self = shared_from_this();
  Pump& p = to_client_;
  // Whatever was still on its way to the client stays here.
  p.out_left = 0;
  if (p.awaiting_room) {
    p.awaiting_room = false;
    auto parked = std::move(p.parked_for_room);
    continue_write(p);
  }
}

// The silenced pump's chunk is dropped, though a close reply from the
// backend to a close the gateway sent still ends it. True when the pump can
// go on at once.
bool Relay::discard_for_orphan(Pump& p) {
  p.tracker.consume(p.chunk + p.chunk_used, p.chunk_size - p.chunk_used);
  p.chunk_used = p.chunk_size;
  if (closing_ && p.tracker.close_seen()) {
    p.source_done = true;
    maybe_finish();
    return false;
  }
  return true;
}

// The client spoke (or timed out here): the RST the new holder would send.
void Relay::reset_orphan() {
  if (client_was_reset_ || finished_) return;
  client_was_reset_ = true;
  reset_in_place(client_.fd());
  auto self = shared_from_this();
  Pump& from_client = to_upstream_;
  from_client.waiting = false;  // so that peer_lost pumps it: the backend's close frame
  from_client.parked.reset();
  peer_lost(Side::client);
}

}  // namespace wsfo::gateway
