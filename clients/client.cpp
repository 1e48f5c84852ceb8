// The reconnect loop of one client and what ends or resets a connection.
#include "clients/client.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clients/fleet_worker.hpp"
#include "core/clients/client_stream.hpp"
#include "process/live_clock.hpp"

namespace wsfo::clients {

namespace net = boost::asio;
using net::awaitable;
using tcp = net::ip::tcp;

Client::Client(Worker& worker, std::uint64_t router_id, std::uint64_t index)
    : worker_(worker),
      router_id_(router_id),
      index_(index),
      rng_(client_stream_seed(worker.options().seed, router_id, index)),
      policy_(worker.options().reconnect),
      socket_(worker.io()),
      timer_(worker.io()),
      parser_(worker.options().max_message_bytes) {}

bool Client::stopping() const { return stopping_ || worker_.shutting_down(); }

awaitable<void> Client::run() {
  while (!stopping()) {
    std::optional<Nanos> retry_after;
    std::string early_bytes;  // frame bytes that came with the 101
    bool connected = false;
    {
      boost::beast::flat_buffer buffer;
      connected = co_await attempt(retry_after, buffer);
      if (connected) early_bytes.assign(static_cast<const char*>(buffer.data().data()), buffer.size());
    }
    if (connected) {
      co_await session(std::move(early_bytes));
      disconnected_ns_ = process::LiveClock::now_ns();
    }
    reset_connection();
    if (stopping()) break;
    Nanos now(process::LiveClock::now_ns());
    Nanos delay = policy_.schedule_retry(now, rng_.next(), retry_after) - now;
    co_await sleep(delay);
    if (stopping()) break;
    worker_.verbose().reconnecting(router_id_, delay);
  }
  phase_ = Phase::done;
}

awaitable<void> Client::sleep(Nanos delay) {
  ++timer_generation_;
  timer_.expires_after(delay);
  error_code ec;
  co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
}

void Client::reset_connection() {
  ++timer_generation_;
  ++connection_generation_;
  timer_.cancel();
  tls_.reset();
  error_code ignored;
  socket_.close(ignored);
  parser_.reset();
  phase_ = Phase::idle;
  end_cause_ = EndCause::none;
  writing_ = close_sent_ = close_received_ = peer_closed_first_ = close_timed_out_ = pending_connected_ = false;
  peer_close_code_ = 0;
  ping_sent_ns_ = ping_rtt_max_ns_ = sent_number_ = 0;
  for (auto* text :
       {&unit_, &node_, &backend_, &backend_name_, &url_text_, &peer_close_reason_, &outbox_, &in_flight_, &partial_})
    std::string().swap(*text);
  sequence_.reset();
}

void Client::request_close() {
  stopping_ = true;
  switch (phase_) {
    case Phase::open:
      end_with(EndCause::shutdown);
      break;
    case Phase::connecting:
      cut();
      break;
    case Phase::idle:
      ++timer_generation_;
      timer_.cancel();
      break;
    case Phase::done:
      break;
  }
}

void Client::cut() {
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace wsfo::clients
