// The open connection of a client: frames in and out (core's sans-I/O
// ws::FrameParser; one write in flight), the heartbeat and idle timeout, the
// close handshake, and the `connected`, `gap` and `disconnected` events.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>

#include "clients/client.hpp"
#include "clients/fleet_worker.hpp"
#include "core/clients/backend_messages.hpp"
#include "process/live_clock.hpp"

namespace wsfo::clients {

namespace net = boost::asio;
using net::awaitable;

std::string ms_text(Nanos d) { return std::to_string(d.count() / 1'000'000); }

namespace {

// The decimal text of `number` in `buffer`.
std::string_view decimal(std::array<char, 24>& buffer, std::int64_t number) {
  auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), number).ptr;
  return std::string_view(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

}  // namespace

awaitable<void> Client::session(std::string early_bytes) {
  if (worker_.options().send_first_message) {
    sent_number_ = process::LiveClock::wall_ms();  // the seed sends Date.now()
    std::array<char, 24> text{};
    send(ws::Opcode::text, decimal(text, sent_number_));
  }
  start_session_timers();
  error_code ec;
  bool open = take_bytes(early_bytes);
  std::string().swap(early_bytes);
  while (open) {
    std::size_t n = co_await read_some(ec);
    if (ec) break;
    last_heard_ns_ = process::LiveClock::now_ns();
    open = take_bytes(std::string_view(read_buffer_.data(), n));
  }
  report_end(ec);
  if (clean_tls_close()) co_await say_tls_goodbye();
}

awaitable<std::size_t> Client::read_some(error_code& ec) {
  auto into = net::buffer(read_buffer_);
  auto token = net::redirect_error(net::use_awaitable, ec);
  return tls_ ? tls_->async_read_some(into, token) : socket_.async_read_some(into, token);
}

// The one timer of an open connection: the planned close, or the heartbeat.
void Client::start_session_timers() {
  const auto& options = worker_.options();
  if (stopping()) {
    end_with(EndCause::shutdown);
  } else if (options.close_after) {
    if (options.close_after->count() == 0) {
      end_with(EndCause::close_after);
    } else {
      auto generation = ++timer_generation_;
      timer_.expires_after(*options.close_after);
      timer_.async_wait([this, generation](error_code e) {
        if (!e && generation == timer_generation_) end_with(EndCause::close_after);
      });
    }
  } else if (options.heartbeat) {
    arm_heartbeat();
  }
}

// Parses what arrived; false when the connection is over (close handshake
// done, or a protocol violation answered with its close code).
bool Client::take_bytes(std::string_view bytes) {
  if (bytes.empty()) return true;
  if (!parser_.feed(bytes, *this)) {
    send_close(parser_.close_code());
    return writing_;  // the write handler cuts once the close frame is out
  }
  // Both close frames exchanged: nothing more will be said on this connection
  // (once our echo, if any, is written).
  if (close_received_ && close_sent_) return writing_;
  return true;
}

void Client::on_message_data(std::string_view data, bool last) {
  if (partial_.empty() && last) return on_message(data);
  partial_.append(data);
  if (!last) return;
  on_message(partial_);
  std::string().swap(partial_);
}

void Client::on_ping(std::string_view payload) { send(ws::Opcode::pong, payload); }

// Only a pong while our ping is out is a round trip: an unsolicited pong
// (RFC 6455 §5.5.3 allows them) measures nothing.
void Client::on_pong(std::string_view) {
  if (ping_sent_ns_ == 0) return;
  auto round_trip = std::max<std::int64_t>(process::LiveClock::now_ns() - ping_sent_ns_, 1);
  ping_rtt_max_ns_ = std::max(ping_rtt_max_ns_, round_trip);
  ping_sent_ns_ = 0;
}

void Client::on_close(std::uint16_t code, std::string_view reason) {
  close_received_ = true;
  peer_close_code_ = code;
  peer_close_reason_ = std::string(reason);
  if (!close_sent_) {
    peer_closed_first_ = true;
    send_close(code == 1005 ? ws::kCloseNormal : code);  // echo it (RFC 6455 §5.5.1)
  }
}

void Client::send(ws::Opcode opcode, std::string_view payload) {
  if (close_sent_) return;
  ws::append_frame(outbox_, opcode, payload, static_cast<std::uint32_t>(rng_.next()));
  flush_outbox();
}

void Client::send_close(std::uint16_t code) {
  if (close_sent_) return;
  ws::append_close(outbox_, code, {}, static_cast<std::uint32_t>(rng_.next()));
  close_sent_ = true;
  flush_outbox();
}

void Client::flush_outbox() {
  if (writing_ || outbox_.empty() || phase_ != Phase::open) return;
  writing_ = true;
  in_flight_.swap(outbox_);
  auto generation = connection_generation_;
  auto written = [this, generation](error_code ec, std::size_t) {
    if (generation != connection_generation_) return;
    writing_ = false;
    std::string().swap(in_flight_);
    if (ec) return cut();
    bool finished = close_sent_ && (close_received_ || !parser_.error().empty());
    if (!finished || !outbox_.empty()) return flush_outbox();
    // Our last frame is out: done. A clean TLS close still owes the peer a
    // close_notify, which the session sends once its read is stopped.
    if (clean_tls_close()) {
      error_code ignored;
      socket_.cancel(ignored);
      return;
    }
    cut();
  };
  if (tls_)
    net::async_write(*tls_, net::buffer(in_flight_), std::move(written));
  else
    net::async_write(socket_, net::buffer(in_flight_), std::move(written));
}

void Client::on_message(std::string_view text) {
  ++worker_.summary().messages;
  if (worker_.verbose().enabled()) worker_.verbose().message(router_id_, text);
  if (auto label = welcome_label(text)) {
    backend_ = std::string(*label);
    emit_connected_if_pending();
    return;
  }
  emit_connected_if_pending();
  if (sent_number_ != 0) {
    std::array<char, 24> sent{};
    if (is_echo_of(text, decimal(sent, sent_number_))) return;
  }
  count_gap(text);
}

// A `<seq>:<label>` broadcast that skipped numbers is a `gap`.
void Client::count_gap(std::string_view text) {
  auto broadcast = parse_broadcast(text);
  if (!broadcast) return;
  auto observed = sequence_.observe(broadcast->label, broadcast->seq);
  if (observed.missing == 0) return;
  auto& summary = worker_.summary();
  ++summary.gaps;
  summary.missing_messages += observed.missing;
  if (!worker_.sink().wants_events()) return;
  worker_.sink().write(worker_.stamp(router_id_),
                       history::GapRecord{broadcast->label, observed.missing, broadcast->seq - observed.missing - 1});
}

// `connected` waits for the welcome text so that it names the backend; a
// backend that sends none gets it with the first message or the end.
void Client::emit_connected_if_pending() {
  if (!pending_connected_) return;
  pending_connected_ = false;
  history::ConnectedRecord record{url_text_, unit_, node_, backend_, backend_name_, handshake_ns_, redirects_};
  worker_.sink().write(worker_.stamp(router_id_, opened_ns_), record);
  std::string().swap(url_text_);
  std::string().swap(backend_name_);
}

void Client::report_end(const error_code& ec) {
  emit_connected_if_pending();
  auto now = process::LiveClock::now_ns();
  std::string cause, reason, closed_by = "client";
  std::optional<std::uint64_t> code;
  const auto& options = worker_.options();
  bool we_closed = end_cause_ == EndCause::shutdown || end_cause_ == EndCause::close_after;
  if (end_cause_ == EndCause::idle_timeout) {
    cause = "idle_timeout", reason = "nothing heard for " + ms_text(options.idle_timeout) + " ms";
  } else if (end_cause_ == EndCause::pong_timeout) {
    cause = "pong_timeout", reason = "no pong within " + ms_text(options.idle_timeout) + " ms of a ping";
  } else if (!parser_.error().empty()) {
    code = parser_.close_code();
    cause = code == ws::kCloseTooBig ? "message_too_big" : "protocol_error";
    reason = parser_.error();
  } else if (close_received_ && peer_closed_first_) {
    cause = "server_close", closed_by = "server", code = peer_close_code_, reason = peer_close_reason_;
  } else if (we_closed) {
    cause = end_cause_ == EndCause::shutdown ? "shutdown" : "client_close";
    code = ws::kCloseNormal;
    reason = close_received_    ? "closed by this client"
             : close_timed_out_ ? "the peer did not answer the close within " + ms_text(options.close_timeout) + " ms"
                                : "closing: " + ec.message();
  } else {
    cause = "connection_lost", closed_by = "network";
    reason = ec ? ec.message() : "the connection ended";
  }
  ++worker_.summary().disconnected[cause];
  worker_.connection_closed();
  worker_.verbose().disconnected(router_id_);
  if (!worker_.sink().wants_events()) return;
  history::DisconnectedRecord record;
  record.cause = cause;
  record.reason = reason;
  record.closed_by = closed_by;
  record.unit = unit_;
  record.backend = backend_;
  record.code = code;
  record.connected_ns = now - opened_ns_;
  if (ping_rtt_max_ns_ > 0) record.ping_rtt_max_ns = ping_rtt_max_ns_;
  worker_.sink().write(worker_.stamp(router_id_), record);
}

void Client::arm_heartbeat() {
  auto generation = ++timer_generation_;
  timer_.expires_after(*worker_.options().heartbeat);
  timer_.async_wait([this, generation](error_code ec) {
    if (!ec && generation == timer_generation_) on_heartbeat();
  });
}

void Client::on_heartbeat() {
  if (phase_ != Phase::open || end_cause_ != EndCause::none) return;
  auto now = process::LiveClock::now_ns();
  auto limit = worker_.options().idle_timeout.count();
  if (ping_sent_ns_ != 0 && now - ping_sent_ns_ >= limit) return end_with(EndCause::pong_timeout);
  if (now - last_heard_ns_ >= limit) return end_with(EndCause::idle_timeout);
  if (ping_sent_ns_ == 0) {
    ping_sent_ns_ = now;
    send(ws::Opcode::ping, {});
  }
  arm_heartbeat();
}

void Client::arm_close_timeout() {
  auto generation = ++timer_generation_;
  timer_.expires_after(worker_.options().close_timeout);
  timer_.async_wait([this, generation](error_code ec) {
    if (ec || generation != timer_generation_) return;
    close_timed_out_ = true;
    cut();
  });
}

// A timeout ends the connection without a close handshake (the peer is not
// listening); a planned close is a clean 1000, bounded by close_timeout.
void Client::end_with(EndCause cause) {
  if (phase_ != Phase::open || end_cause_ != EndCause::none) return;
  end_cause_ = cause;
  if (cause == EndCause::idle_timeout || cause == EndCause::pong_timeout) return cut();
  if (close_sent_) return;
  send_close(ws::kCloseNormal);
  arm_close_timeout();
}

}  // namespace wsfo::clients
