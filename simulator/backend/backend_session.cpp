#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iostream>

#include "simulator/backend/backend_session.hpp"

namespace wsfo::backend {

namespace {

bool is_benign(const boost::system::error_code& ec) {
  return ec == websocket::error::closed || ec == net::error::operation_aborted || ec == net::error::eof ||
         ec == http::error::end_of_stream || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::ssl::error::stream_truncated;  // a TLS peer that left without a close_notify
}

// The request path as text a WebSocket text frame may carry (valid UTF-8):
// bytes outside printable ASCII (raw UTF-8 or other octets in the target, as
// nginx and the gateway let through) percent-encoded. A raw non-UTF-8 byte
// in a broadcast would make every client fail the connection (1007).
std::string printable_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

}  // namespace

void report_error(std::string_view label, std::string_view what, const boost::system::error_code& ec) {
  if (!ec || is_benign(ec)) return;
  std::cerr << "wsfo backend " << label << ": " << what << ": " << ec.message() << "\n";
}

void Hub::add(const std::shared_ptr<Session>& session) { sessions.emplace(session.get(), session); }

void Hub::remove(const Session* session) { sessions.erase(session); }

void Hub::broadcast(const Payload& payload) {
  for (const auto& [raw, weak] : sessions)
    if (auto session = weak.lock()) session->send(payload);
}

void Hub::close_all(websocket::close_code code) {
  for (const auto& [raw, weak] : sessions)
    if (auto session = weak.lock()) session->close(code);
}

template <class Stream>
StreamSession<Stream>::StreamSession(Stream stream, Hub& hub, ConnectionOrigin origin, std::string path)
    : ws_(std::move(stream)),
      hub_(hub),
      origin_(std::move(origin)),
      path_(std::move(path)),
      writer_wakeup_(ws_.get_executor()) {}

template <class Stream>
net::awaitable<void> StreamSession<Stream>::run(http::request<http::string_body> request) {
  auto self = this->shared_from_this();
  const std::string& label = hub_.options.label;
  const std::string& name = hub_.options.name.empty() ? label : hub_.options.name;
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator([name](websocket::response_type& response) {
    response.set(http::field::server, "wsfo-backend");
    response.set("X-Wsfo-Backend", name);  // lets clients tell which backend served them
  }));
  ws_.text(true);
  boost::system::error_code ec;
  co_await ws_.async_accept(request, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    report_error(label, "handshake", ec);
    co_return;
  }
  hub_.add(self);
  hub_.stats.connection_opened(origin_);
  send(std::make_shared<const std::string>("Welcome to the server!" + label));
  auto announcement = std::make_shared<const std::string>(label + " new connection: " + printable_path(path_));
  if (hub_.options.announce == Announce::all)
    hub_.broadcast(announcement);
  else
    send(announcement);
  net::co_spawn(ws_.get_executor(), write_loop(self), net::detached);

  co_await read_loop();

  finished_ = true;
  writer_wakeup_.cancel();
  hub_.remove(this);
  hub_.stats.connection_closed(origin_);
}

template <class Stream>
net::awaitable<void> StreamSession<Stream>::read_loop() {
  const auto& options = hub_.options;
  net::steady_timer delay(ws_.get_executor());
  boost::system::error_code ec;
  for (;;) {
    beast::flat_buffer buffer;
    co_await ws_.async_read(buffer, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      report_error(options.label, "read", ec);
      co_return;
    }
    hub_.stats.message_received();
    if (!options.echo) continue;
    if (options.reply_delay.count() > 0) {
      delay.expires_after(options.reply_delay);
      co_await delay.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    send(std::make_shared<const std::string>(beast::buffers_to_string(buffer.data()) + ":" + options.label));
  }
}

template <class Stream>
void StreamSession<Stream>::send(Payload payload) {
  if (finished_ || close_code_) return;
  if (outbox_.size() >= kMaxQueuedMessages) return drop("client too slow: outbound queue full");
  outbox_.push_back(std::move(payload));
  writer_wakeup_.cancel();
}

template <class Stream>
void StreamSession<Stream>::close(websocket::close_code code) {
  if (finished_ || close_code_) return;
  close_code_ = code;
  outbox_.clear();
  writer_wakeup_.cancel();
}

template <class Stream>
void StreamSession<Stream>::drop(std::string_view why) {
  std::cerr << "wsfo backend " << hub_.options.label << ": dropping a connection: " << why << "\n";
  outbox_.clear();
  finished_ = true;  // no more sends; closing the socket ends both loops
  writer_wakeup_.cancel();
  beast::get_lowest_layer(ws_).close();
}

template <class Stream>
net::awaitable<void> StreamSession<Stream>::write_loop([[maybe_unused]] std::shared_ptr<StreamSession> self) {
  boost::system::error_code ec;
  for (;;) {
    while (outbox_.empty() && !close_code_ && !finished_) {
      writer_wakeup_.expires_at(net::steady_timer::time_point::max());
      co_await writer_wakeup_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (finished_) co_return;
    if (outbox_.empty()) {
      co_await ws_.async_close(*close_code_, net::redirect_error(net::use_awaitable, ec));
      report_error(hub_.options.label, "close", ec);
      co_return;
    }
    Payload payload = outbox_.front();
    outbox_.pop_front();
    co_await ws_.async_write(net::buffer(*payload), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      report_error(hub_.options.label, "write", ec);
      co_return;
    }
    hub_.stats.message_sent();
  }
}

template class StreamSession<PlainStream>;
template class StreamSession<TlsStream>;

}  // namespace wsfo::backend
