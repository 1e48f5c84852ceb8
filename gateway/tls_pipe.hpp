#pragma once
// A TLS stream, after its handshake, joined to one end of a socketpair that
// the plain path reads and writes: the TLS front's clients (tls_front.hpp)
// and the upstream side of a proxy correction to another unit's TLS
// gateway (upstream_proxy.cpp). Two coroutines copy, one each way; when the
// plain path closes its end, the peer gets a close_notify (bounded by
// limits.close_timeout) and the TCP connection ends; when the peer ends, the
// plain path sees the end of its stream.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <array>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>

#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

struct TlsPipe {
  TlsPipe(GatewayNode& node, tcp::socket socket, std::shared_ptr<tls::Context> context)
      : node(node), context(std::move(context)), tls(std::move(socket), *this->context), inner(node.io), wake(node.io) {}

  // Each holds the pipe in its own frame: a coroutine starts only once
  // spawned, after its creator has let go of it.
  static net::awaitable<void> from_peer(std::shared_ptr<TlsPipe> self);
  static net::awaitable<void> to_peer(std::shared_ptr<TlsPipe> self);

  GatewayNode& node;
  std::shared_ptr<tls::Context> context;
  net::ssl::stream<tcp::socket> tls;
  net::local::stream_protocol::socket inner;
  net::steady_timer wake;  // to_peer waits on it for from_peer to stop reading
  bool reading = true;
  std::array<char, 16384> from_buffer{};  // one TLS record's plaintext at most
  std::array<char, 16384> to_buffer{};
};

// After the TLS handshake: the socketpair, the copying started, and the
// plain end as the tcp::socket the plain path takes; empty with `ec` set
// when no socketpair could be made (out of descriptors).
std::optional<tcp::socket> join_plain_end(std::shared_ptr<TlsPipe> pipe, boost::system::error_code& ec);

}  // namespace wsfo::gateway
