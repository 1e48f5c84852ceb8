// Moving bytes from a source to a sink: read into the shared buffer, let the
// frame tracker follow them, write at once; spill what the sink cannot take
// and wait for its room; wait for the source's next readable edge once it is
// read dry. The close frames this writes are prepared in relay_close.cpp.
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>

#include "gateway/relay_buffers.hpp"
#include "gateway/relay_connection.hpp"
#include "process/live_clock.hpp"

namespace wsfo::gateway {

void Relay::Watch::on_readiness(std::uint32_t events) {
  const bool room = (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && writer.awaiting_room;
  const bool input = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
  if (!room) {
    if (input) relay.on_source_ready(reader);
    return;
  }
  auto self = relay.shared_from_this();  // serving the reader may end the relay
  if (input) relay.on_source_ready(reader);
  relay.on_sink_ready(writer);
}

// Runs the pump until it starts an asynchronous operation or is done. A
// source that never runs dry gets a yield now and then, so one busy
// connection cannot starve the others.
void Relay::pump(Pump& p) {
  for (int rounds = 0; advance(p); ++rounds) {
    if (rounds == kRoundsBeforeYield) return yield(p);
  }
}

// One step; true when the pump can go on at once.
bool Relay::advance(Pump& p) {
  if (finished_ || p.waiting || p.writing) return false;
  if (p.state == Pump::State::inject_pending && p.tracker.at_boundary() && !silenced(p)) {
    write_close(p);
    return false;
  }
  if (p.chunk_used == p.chunk_size) {
    release_chunk(p);
    if (!p.pending.empty() && !p.chunk) return take_pending(p);
    if (!p.source_done) return read(p);
    if (p.state == Pump::State::inject_pending && !silenced(p)) {  // cut mid-frame: no clean close possible
      finish();
      return false;
    }
    maybe_finish();
    return false;
  }
  if (silenced(p)) return discard_for_orphan(p);
  const std::uint8_t* data = p.chunk + p.chunk_used;
  std::size_t left = p.chunk_size - p.chunk_used;
  if (p.state == Pump::State::injected) {  // the sink has our close: discard, but notice the source's close
    p.tracker.consume(data, left);
    p.chunk_used = p.chunk_size;
    if (p.tracker.close_seen()) {
      p.source_done = true;
      maybe_finish();
      return false;
    }
    return true;
  }
  std::size_t used = p.tracker.consume(data, left, p.state == Pump::State::inject_pending);
  if (!first_closer_ && p.tracker.close_seen()) first_closer_ = &p;
  if (p.tracker.violation() && !closing_) reject_frames(p);  // `used` ends before the offending frame
  return write(p, data, used);
}

// The chunk is relayed: give back what held it.
void Relay::release_chunk(Pump& p) {
  if (p.spill && p.chunk == p.spill.get()) SpillPool::of_this_thread().give_back(std::move(p.spill), capacity_);
  if (!p.pending.empty() && p.chunk == p.pending.data()) std::vector<std::uint8_t>().swap(p.pending);
  p.chunk = nullptr;
  p.chunk_size = p.chunk_used = 0;
}

bool Relay::take_pending(Pump& p) {
  // Bytes read together with the handshake are relayed first, like a read.
  p.chunk = p.pending.data();
  p.chunk_size = p.pending.size();
  p.chunk_used = 0;
  count_bytes(p, p.chunk_size);
  return true;
}

bool Relay::read(Pump& p) {
  if (p.drained) {
    wait_readable(p);
    return false;
  }
  std::uint8_t* buffer = shared_read_buffer(capacity_);
  ssize_t got;
  do got = ::recv(p.source, buffer, capacity_, 0);
  while (got < 0 && errno == EINTR);
  if (got < 0 && would_block(errno)) {
    p.drained = true;
    wait_readable(p);
    return false;
  }
  if (orphaned_ && p.from == Side::client) {
    if (orphan_held_) return swallow_held_orphan_read(p, got);
    reset_orphan();  // its next segment reaches the VIP's new holder
    return false;
  }
  if (got <= 0) {  // end of stream, or the connection failed
    source_ended(p);
    return false;
  }
  const auto n = static_cast<std::size_t>(got);
  p.drained = n < capacity_;  // a short read emptied the socket; a later arrival raises a new edge
  last_activity_ = process::LiveClock::now();
  count_bytes(p, n);
  p.chunk = buffer;
  p.chunk_size = n;
  p.chunk_used = 0;
  return true;
}

void Relay::wait_readable(Pump& p) {
  p.waiting = true;
  p.parked = shared_from_this();
}

// From the poller: the source may be readable, or hung up, or failed (the
// next read tells which). Seen while not waiting, it makes the next read() read.
void Relay::on_source_ready(Pump& p) {
  p.drained = false;
  if (!p.waiting) return;
  p.waiting = false;
  auto self = std::move(p.parked);
  if (finished_) return;
  pump(p);  // while a close frame is being written, its completion pumps
}

// From the poller: the sink of a pump parked on a full socket has room, or failed.
void Relay::on_sink_ready(Pump& p) {
  if (!p.awaiting_room) return;
  p.awaiting_room = false;
  auto self = std::move(p.parked_for_room);
  if (finished_) return;
  continue_write(p);
}

void Relay::yield(Pump& p) {
  keep_rest_of_chunk(p);
  p.writing = true;  // nothing else may start on this pump until the yield returns
  net::post(node_.io, with_memory(p.loop_memory, [self = shared_from_this(), &p]() {
              p.writing = false;
              self->pump(p);
            }));
}

void Relay::count_bytes(const Pump& p, std::size_t n) {
  if (p.from == Side::client)
    node_.metrics.add_client_to_backend_bytes(n);
  else
    node_.metrics.add_backend_to_client_bytes(n);
}

// Writes `size` bytes at `data` (inside the chunk) at once when the sink
// takes them; otherwise the rest of the chunk moves to a spill buffer and
// the remainder is written asynchronously. True when all went at once.
bool Relay::write(Pump& p, const std::uint8_t* data, std::size_t size) {
  std::size_t written = 0;
  while (written < size) {
    ssize_t sent = ::send(p.sink, data + written, size - written, MSG_NOSIGNAL);
    if (sent >= 0) {
      written += static_cast<std::size_t>(sent);
      continue;
    }
    if (errno == EINTR) continue;
    if (would_block(errno)) break;
    p.chunk_used = p.chunk_size;
    peer_lost(other(p.from));
    return !finished_;  // the pump now discards, waiting for its source's close reply
  }
  if (written == size) {
    p.chunk_used += size;
    return true;
  }
  spill(p, data + written, size - written);
  return false;
}

// Before the pump pauses with bytes of the shared buffer not yet relayed:
// they move to the pump's spill buffer, since other connections read into
// the shared one meanwhile.
void Relay::keep_rest_of_chunk(Pump& p) {
  bool shared = p.chunk && p.chunk != p.spill.get() && (p.pending.empty() || p.chunk != p.pending.data());
  if (!shared || p.chunk_used == p.chunk_size) return;
  std::size_t keep = p.chunk_size - p.chunk_used;
  if (!p.spill) p.spill = SpillPool::of_this_thread().take(capacity_);
  std::copy_n(p.chunk + p.chunk_used, keep, p.spill.get());
  p.chunk = p.spill.get();
  p.chunk_size = keep;
  p.chunk_used = 0;
}

void Relay::spill(Pump& p, const std::uint8_t* from, std::size_t to_write) {
  p.chunk_used = static_cast<std::size_t>(from - p.chunk);
  keep_rest_of_chunk(p);
  from = p.chunk + p.chunk_used;
  p.chunk_used += to_write;
  write_later(p, from, to_write, false);
}

// Writes [data, data + size) to the pump's sink, waiting for room whenever
// it is full, then goes on pumping. It never completes within the call:
// callers (close_with from the registry, a pump's own loop) may touch the
// relay after it, so a write done at once completes through a post.
void Relay::write_later(Pump& p, const std::uint8_t* data, std::size_t size, bool close_frame) {
  p.writing = true;
  p.out = data;
  p.out_left = size;
  p.out_is_close = close_frame;
  if (send_some(p) != Sent::would_block)
    net::post(node_.io, with_memory(p.loop_memory, [self = shared_from_this(), &p]() { self->continue_write(p); }));
  else
    park_for_room(p);
}

Relay::Sent Relay::send_some(Pump& p) {
  while (p.out_left > 0) {
    ssize_t sent = ::send(p.sink, p.out, p.out_left, MSG_NOSIGNAL);
    if (sent >= 0) {
      p.out += sent;
      p.out_left -= static_cast<std::size_t>(sent);
    } else if (errno != EINTR) {
      return would_block(errno) ? Sent::would_block : Sent::failed;
    }
  }
  return Sent::all;
}

void Relay::park_for_room(Pump& p) {
  p.awaiting_room = true;
  p.parked_for_room = shared_from_this();
}

void Relay::continue_write(Pump& p) {
  if (finished_) return;
  Sent sent = send_some(p);
  if (sent == Sent::would_block) return park_for_room(p);
  p.writing = false;
  p.drained = false;  // edges seen while the pump was busy were not acted on
  // A failed close frame means the sink is gone; the pump reading it will see that.
  if (sent == Sent::failed && !p.out_is_close) return peer_lost(other(p.from));
  pump(p);
}

}  // namespace wsfo::gateway
