#include "gateway/tls_front.hpp"

#include <sys/socket.h>

#include <array>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>

#include "core/gateway/answers.hpp"
#include "gateway/accept_backoff.hpp"
#include "gateway/answer_writer.hpp"
#include "gateway/socket_deadline.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// of coroutines with external linkage (asio's frame operator new and delete
// do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::gateway {

namespace ssl = net::ssl;
using net::awaitable;
using net::use_awaitable;
using error_code = boost::system::error_code;
using Local = net::local::stream_protocol::socket;

// One TLS client after its handshake: copies between the TLS stream and the
// socketpair end the plain path serves. (Not in the anonymous namespace: it
// lives in the frame of serve_tls(), which other files call.)
struct TlsFront {
  TlsFront(GatewayNode& node, tcp::socket client)
      : node(node), context(node.tls), tls(std::move(client), *context), inner(node.io), wake(node.io) {}

  // Each holds the front in its own frame: a coroutine starts only once
  // spawned, after serve_tls has let go of it.
  static awaitable<void> from_client(std::shared_ptr<TlsFront> self);
  static awaitable<void> to_client(std::shared_ptr<TlsFront> self);

  GatewayNode& node;
  std::shared_ptr<tls::Context> context;
  ssl::stream<tcp::socket> tls;
  Local inner;
  net::steady_timer wake;  // to_client waits on it for from_client to stop reading
  bool reading = true;
  std::array<char, 16384> from_buffer{};  // one TLS record's plaintext at most
  std::array<char, 16384> to_buffer{};
};

// What the client sends goes to the plain path; when the client ends, the
// plain path sees the end of its stream.
awaitable<void> TlsFront::from_client(std::shared_ptr<TlsFront> self) {
  TlsFront& f = *self;
  error_code ec;
  for (;;) {
    std::size_t n = co_await f.tls.async_read_some(net::buffer(f.from_buffer), net::redirect_error(use_awaitable, ec));
    if (ec) break;
    co_await net::async_write(f.inner, net::buffer(f.from_buffer.data(), n), net::redirect_error(use_awaitable, ec));
    if (ec) break;
  }
  f.inner.shutdown(Local::shutdown_send, ec);
  f.reading = false;
  f.wake.cancel();
}

// What the plain path writes goes to the client; once the plain path closes
// its end (an answer written, or the relay finished), the client gets a
// close_notify, bounded by limits.close_timeout, and the TCP connection ends.
// The client's TCP socket stays open until then, as the relay may reset it.
awaitable<void> TlsFront::to_client(std::shared_ptr<TlsFront> self) {
  TlsFront& f = *self;
  error_code ec;
  bool client_gone = false;
  for (;;) {
    std::size_t n = co_await f.inner.async_read_some(net::buffer(f.to_buffer), net::redirect_error(use_awaitable, ec));
    if (ec) break;
    co_await net::async_write(f.tls, net::buffer(f.to_buffer.data(), n), net::redirect_error(use_awaitable, ec));
    if (ec) {
      client_gone = true;
      break;
    }
  }
  // An SSL stream takes one read at a time, and the shutdown reads the
  // client's close_notify: stop the copy's read first.
  tcp::socket& socket = f.tls.next_layer();
  if (f.reading) {
    socket.cancel(ec);
    f.wake.expires_after(f.node.config.limits.close_timeout);
    co_await f.wake.async_wait(net::redirect_error(use_awaitable, ec));
  }
  if (!client_gone && !f.reading) {
    Deadline deadline(socket, f.node.config.limits.close_timeout);
    co_await f.tls.async_shutdown(net::redirect_error(use_awaitable, ec));
  }
  socket.close(ec);
  f.inner.close(ec);
}

namespace {

constexpr std::uint8_t kTlsHandshakeRecord = 0x16;  // the first byte of every ClientHello

// The first byte the client sent, left in the socket; none when it closed
// or the wait was cancelled.
awaitable<std::optional<std::uint8_t>> peek_first_byte(tcp::socket& socket) {
  error_code ec;
  co_await socket.async_wait(tcp::socket::wait_read, net::redirect_error(use_awaitable, ec));
  std::uint8_t byte = 0;
  if (ec || ::recv(socket.native_handle(), &byte, 1, MSG_PEEK) != 1) co_return std::nullopt;
  co_return byte;
}

void count_failure(GatewayNode& node, RejectReason reason, const std::string& why, const tcp::socket& socket) {
  node.metrics.handshake(Metrics::Outcome::rejected, label(reason));
  // Logged at 1, 2, 4, 8... of each reason: a flood of bad clients does not flood the log.
  const std::uint64_t count = node.metrics.handshakes(Metrics::Outcome::rejected, label(reason));
  if ((count & (count - 1)) != 0) return;
  error_code ec;
  auto peer = socket.remote_endpoint(ec);
  log_line(node) << "TLS handshake from " << (ec ? std::string("a closed connection") : peer.address().to_string())
                 << " refused: " << why << " (" << count << " " << label(reason) << " so far)\n";
}

}  // namespace

awaitable<void> serve_tls(GatewayNode& node, tcp::socket client) {
  error_code ec;
  client.set_option(tcp::no_delay(true), ec);
  auto front = std::make_shared<TlsFront>(node, std::move(client));
  tcp::socket& socket = front->tls.next_layer();
  bool plain_http = false;
  {
    PendingHead pending(node.pending_heads, socket);
    Deadline deadline(socket, node.config.limits.handshake_timeout);
    std::optional<std::uint8_t> first = co_await peek_first_byte(socket);
    if (first && *first != kTlsHandshakeRecord) {
      plain_http = true;
    } else if (first) {
      co_await front->tls.async_handshake(ssl::stream_base::server, net::redirect_error(use_awaitable, ec));
      // Counted whether or not the handshake then succeeds: a verifying
      // client fails it on the default certificate's names.
      SSL* native = front->tls.native_handle();
      if (const char* name = SSL_get_servername(native, TLSEXT_NAMETYPE_host_name))
        if (!tls::certificate_names(native, name)) node.metrics.unknown_server_name();
    }
    const bool evicted = pending.evicted();
    const bool expired = deadline.expired();
    if (evicted || expired || (!first && !plain_http)) {
      RejectReason reason = evicted   ? RejectReason::handshake_cap
                            : expired ? RejectReason::handshake_timeout
                                      : RejectReason::client_closed;
      node.metrics.handshake(Metrics::Outcome::rejected, label(reason));
      co_return;
    }
    if (!plain_http && ec) {
      RejectReason reason = tls::version_refused(ec) ? RejectReason::tls_version : RejectReason::tls_handshake_failed;
      count_failure(node, reason, tls::describe_failure(ec, nullptr), socket);
      co_return;
    }
  }
  if (plain_http) {
    Answer answer = plain_http_on_tls_port();
    co_await send_answer(node, socket, answer);
    co_return;
  }
  Local plain_end(node.io);
  net::local::connect_pair(front->inner, plain_end, ec);
  tcp::socket handshake_end(node.io);
  if (!ec) handshake_end.assign(tcp::v4(), plain_end.release(), ec);
  if (ec) {
    RejectReason reason =
        AcceptBackoff::reason(ec) == "descriptors" ? RejectReason::out_of_descriptors : RejectReason::client_closed;
    node.metrics.handshake(Metrics::Outcome::rejected, label(reason));
    log_line(node) << "TLS front: no socketpair for a client: " << ec.message() << "\n";
    co_return;
  }
  ClientTransport transport{socket.remote_endpoint(ec), socket.native_handle()};
  if (ec) transport.peer.reset();
  node.start_handshake(std::move(handshake_end), std::move(transport));
  node.spawn_task(TlsFront::from_client(front));
  node.spawn_task(TlsFront::to_client(std::move(front)));
}

}  // namespace wsfo::gateway

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
