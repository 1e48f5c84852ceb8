// A relayed connection whose VIP left this node while it lives (docs/vrrp.md,
// "Releasing a VIP"). On real hosts the address is gone from this one: what
// the backend sends no longer reaches the client, which sees neither a reset
// nor an end of file, until its next segment reaches the address's new
// holder, which knows no such connection and answers with a RST. The relay
// plays both halves: it keeps reading the backend (so the backend is never
// blocked) and drops what it reads, and the client's next bytes (or its end)
// reset the client in place and close the backend side as a client reset does.
//
// A powered-off host (docs/vrrp.md, "Power-off") holds its orphans: what the
// client sends reaches no one (the dead host's address does not answer; TCP
// retransmits), so nothing is reset until another host holds the address.
// Then the next retransmission, or the next send, meets that host's RST.
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

void Relay::hold_as_orphan() {
  if (finished_) return;
  orphan_held_ = true;
  orphan();
}

void Relay::release_held_orphan() {
  if (!orphan_held_ || finished_) return;
  orphan_held_ = false;
  if (held_client_sent_) reset_orphan();
}

// What the client sent to the dead host is read and forgotten; the pump
// parks again (holding the relay alive) until the client sends more.
bool Relay::swallow_held_orphan_read(Pump& p, ssize_t got) {
  held_client_sent_ = true;
  if (got <= 0) {  // its end (or an error) goes unanswered too
    p.drained = true;
    wait_readable(p);
    return false;
  }
  p.drained = static_cast<std::size_t>(got) < capacity_;
  p.chunk = nullptr;
  p.chunk_size = p.chunk_used = 0;
  return true;
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
  reset_in_place(client_descriptor());
  auto self = shared_from_this();
  Pump& from_client = to_upstream_;
  from_client.waiting = false;  // so that peer_lost pumps it: the backend's close frame
  from_client.parked.reset();
  peer_lost(Side::client);
}

}  // namespace wsfo::gateway
