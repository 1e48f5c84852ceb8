// TLS of a wss:// hop: the handshake over the freshly connected socket (SNI
// and host name from the url, the fleet's CA file), the failure it becomes
// in the history, and the close_notify of a clean close. The frames above
// are the same as for ws://; only the byte stream changes.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "clients/client.hpp"
#include "clients/fleet_worker.hpp"
#include "tls/contexts.hpp"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frames
// in this file's coroutines (asio's frame operator new/delete do match).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace wsfo::clients {

namespace net = boost::asio;
using net::awaitable;
using net::use_awaitable;

// Within the hop's handshake_timeout watchdog (armed before the TCP connect):
// a server that accepts TCP and never answers the ClientHello is a
// handshake_timeout like one that never answers the upgrade.
awaitable<std::optional<Step>> Client::start_tls(const WsUrl& url, const std::string& peer) {
  using E = AttemptError;
  const auto& options = worker_.options();
  std::string error;
  auto* context = worker_.tls_context(error);
  if (!context) co_return Attempt::on_failure(E::tls_failed, tls_failure_reason(peer, error));
  tls_ = std::make_unique<TlsStream>(socket_, *context);
  SSL* ssl = tls_->native_handle();
  // OpenSSL frees its record buffers between records, so an idle wss client
  // holds only Asio's.
  SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  // SNI and the verified name are the url's host, not the address it maps to
  // (--resolve stands in for DNS).
  if (!tls::prepare_client(ssl, url.host, options.tls.verify, error))
    co_return Attempt::on_failure(E::tls_failed, tls_failure_reason(peer, error));
  error_code ec;
  co_await tls_->async_handshake(TlsStream::client, net::redirect_error(use_awaitable, ec));
  if (!ec) co_return std::nullopt;
  if (auto ended = watchdog_ended(peer)) co_return *ended;
  // A verification failure (unknown CA, host name mismatch, expired) is its
  // own error code, so a run's history tells a trust problem from a
  // protocol one (an old version refused, plain HTTP on the port).
  bool certificate = options.tls.verify && SSL_get_verify_result(ssl) != X509_V_OK;
  co_return Attempt::on_failure(certificate ? E::certificate_error : E::tls_failed,
                                tls_failure_reason(peer, tls::describe_failure(ec, ssl)));
}

// Both close frames were exchanged on a wss connection: the WebSocket ended
// cleanly, so the TLS session ends with a close_notify too (RFC 8446 §6.1).
// Not while a write is in flight: TLS allows one shutdown or write at a time.
bool Client::clean_tls_close() const {
  return tls_ && close_sent_ && close_received_ && parser_.error().empty() && !close_timed_out_ && !writing_;
}

// Sends close_notify and waits for the peer's (or its end of the stream),
// bounded by close_timeout: a peer that keeps the connection open after the
// close handshake must not hold the client's reconnect.
awaitable<void> Client::say_tls_goodbye() {
  auto generation = ++timer_generation_;
  timer_.expires_after(worker_.options().close_timeout);
  timer_.async_wait([this, generation](error_code ec) {
    if (!ec && generation == timer_generation_) cut();
  });
  error_code ec;
  co_await tls_->async_shutdown(net::redirect_error(use_awaitable, ec));
  ++timer_generation_;
  timer_.cancel();
}

}  // namespace wsfo::clients
