// Ending a relayed connection. A close asked for from outside (a cutover's
// 4001, shutdown's or the idle timer's 1001) waits for each direction's frame
// boundary and then writes the gateway's own close frame; a peer that goes
// away without a close handshake gets the other side a close frame (1011 or
// 1001); the close timer ends whatever does not finish in time.
#include <sys/socket.h>

#include <random>

#include "gateway/relay_connection.hpp"

namespace wsfo::gateway {

namespace {

std::array<std::uint8_t, 4> random_mask() {
  thread_local std::minstd_rand generator{std::random_device{}()};
  std::array<std::uint8_t, 4> mask{};
  for (auto& b : mask) b = static_cast<std::uint8_t>(generator());
  return mask;
}

}  // namespace

void Relay::close_with(std::uint16_t code, std::string_view reason) {
  if (closing_ || finished_ || orphan_held_) return;  // a powered-off host closes nothing
  closing_ = true;
  close_code_ = code;
  for (Pump* p : {&to_client_, &to_upstream_}) {
    // A sink that has (or is being sent) its peer's own close frame gets no
    // second one: both gateways of a proxied connection close it at a
    // cutover, and a browser fails a connection (1006) that sends anything
    // after a close frame.
    if (p->source_done || p->tracker.close_seen()) continue;
    prepare_close_frame(*p, code, reason);
    p->state = Pump::State::inject_pending;
    // A pump waiting for input at a frame boundary would not look at its
    // state again until data arrives: write its close frame now.
    if (p->waiting && !p->writing && p->tracker.at_boundary()) write_close(*p);
  }
  arm_close_timer();
}

// `p`'s source sent a frame that breaks RFC 6455 (or, from the client, the
// message size limit): that frame and what follows are not relayed. The
// offender gets a close frame with the verdict's code (1002 or 1009) after
// the frame in flight toward it; the other side gets one where `p` stopped:
// 1001 when the client was at fault (the backend did nothing wrong), 1002
// when the upstream was. If the offending header began in an earlier read,
// its first bytes were relayed already: the other side then gets no close
// frame, only the end of the stream.
void Relay::reject_frames(Pump& p) {
  const FrameViolation violation = *p.tracker.violation();
  closing_ = true;
  close_code_ = violation.code;
  to_client_.tracker.stop_judging();
  to_upstream_.tracker.stop_judging();
  Pump& back = pump_to(p.from);
  prepare_close_frame(back, violation.code, violation.reason);
  back.state = Pump::State::inject_pending;
  if (back.waiting && !back.writing && back.tracker.at_boundary()) write_close(back);
  if (p.tracker.violation_split()) {
    p.state = Pump::State::injected;
    ::shutdown(p.sink, SHUT_WR);
  } else {
    const bool client_at_fault = p.from == Side::client;
    const std::string reason =
        (client_at_fault ? "client broke the protocol: " : "backend broke the protocol: ") + violation.reason;
    prepare_close_frame(p, client_at_fault ? 1001 : violation.code, reason);
    p.state = Pump::State::inject_pending;
  }
  arm_close_timer();
}

void Relay::drop() {
  if (!close_code_) close_code_ = 1006;
  finish();
}

void Relay::prepare_close_frame(Pump& p, std::uint16_t code, std::string_view reason) {
  // Frames toward the upstream go from a client role, so they are masked.
  std::optional<std::array<std::uint8_t, 4>> mask;
  if (p.from == Side::client) mask = random_mask();
  if (!p.close_frame) p.close_frame = std::make_unique<CloseFrame>();
  p.close_frame->size = encode_close_frame(p.close_frame->bytes, code, reason, mask);
}

void Relay::write_close(Pump& p) {
  keep_rest_of_chunk(p);  // discarded later, but read for the source's close frame
  p.state = Pump::State::injected;
  write_later(p, p.close_frame->bytes.data(), p.close_frame->size, true);
}

void Relay::source_ended(Pump& p) {
  if (silenced(p) && !closing_) {  // the backend left; the orphan's client learns it when it next sends
    p.source_done = true;
    return;
  }
  if (!closing_ && p.tracker.close_seen()) return finish();  // the close handshake was relayed
  peer_lost(p.from);
}

// `lost` ended without a close handshake (or failed a write): the other
// side gets a close frame, nothing more goes to `lost`.
void Relay::peer_lost(Side lost) {
  Pump& from_lost = pump_from(lost);
  Pump& to_lost = pump_to(lost);
  from_lost.source_done = true;
  to_lost.state = Pump::State::injected;
  if (!closing_) {
    closing_ = true;
    close_code_ = lost == Side::upstream ? 1011 : 1006;
    if (lost == Side::upstream)
      prepare_close_frame(from_lost, 1011, "backend connection lost");
    else
      prepare_close_frame(from_lost, 1001, "client connection lost");
    from_lost.state = Pump::State::inject_pending;
    arm_close_timer();
  }
  if (!from_lost.waiting && !from_lost.writing) pump(from_lost);
  if (!finished_) maybe_finish();
}

void Relay::maybe_finish() {
  if (to_client_.source_done && to_upstream_.source_done) finish();
}

void Relay::finish() {
  if (finished_) return;
  finished_ = true;
  auto self = shared_from_this();  // the parked references below may be the last ones
  boost::system::error_code ignored;
  timer_.cancel(ignored);
  unwatch();
  for (Pump* p : {&to_client_, &to_upstream_}) {
    p->waiting = p->awaiting_room = false;
    p->parked.reset();
    p->parked_for_room.reset();
  }
  // An orphan's client gets the reset its next send would have met.
  if (orphaned_ && !client_was_reset_) reset_in_place(client_descriptor());
  client_.close();
  upstream_.close();
  node_.registry.remove(*this);
  if (!close_code_) close_code_ = first_closer_ ? first_closer_->tracker.close_code().value_or(1005) : 1006;
  node_.metrics.connection_closed(unit_, *close_code_);
}

}  // namespace wsfo::gateway
