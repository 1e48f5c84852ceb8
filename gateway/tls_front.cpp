#include "gateway/tls_front.hpp"

#include <sys/socket.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "core/gateway/answers.hpp"
#include "gateway/accept_backoff.hpp"
#include "gateway/answer_writer.hpp"
#include "gateway/socket_deadline.hpp"
#include "gateway/tls_pipe.hpp"

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
  auto front = std::make_shared<TlsPipe>(node, std::move(client), node.tls);
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
  std::optional<tcp::socket> handshake_end = join_plain_end(front, ec);
  if (!handshake_end) {
    RejectReason reason =
        AcceptBackoff::reason(ec) == "descriptors" ? RejectReason::out_of_descriptors : RejectReason::client_closed;
    node.metrics.handshake(Metrics::Outcome::rejected, label(reason));
    log_line(node) << "TLS front: no socketpair for a client: " << ec.message() << "\n";
    co_return;
  }
  ClientTransport transport{socket.remote_endpoint(ec), socket.native_handle()};
  if (ec) transport.peer.reset();
  node.start_handshake(std::move(*handshake_end), std::move(transport));
}

}  // namespace wsfo::gateway

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
