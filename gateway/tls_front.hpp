#pragma once
// The TLS front of a node whose config has a `tls` section (wss://).
//
// Design: TLS ends here, and everything after it is the plain path. Once a
// client's TLS handshake is done, the front makes a socketpair: the
// handshake (handshake.cpp) and then the relay serve one end exactly as
// they serve a plain client's socket, and the front copies bytes between
// the other end and the TLS stream. So routing, answers, the relay's frame
// boundaries and close codes, orphans and metrics are the same code for ws
// and wss; the cost is a user-space copy each way and two more descriptors
// per connection. Kernel TLS (which would keep the relay's descriptor
// pumping) needs the kernel's `tls` module, which this machine's kernel does
// not offer (/proc/sys/net/ipv4/tcp_available_ulp lists no "tls").
//
// Before the TLS handshake, the front refuses what is not TLS: plain HTTP
// gets nginx's answer, a 400 in plain text; a TLS handshake that fails
// (versions below the minimum, no shared cipher) is counted by reason in
// the handshake metrics and logged. The TLS handshake counts as a handshake
// in progress (limits.max_handshakes_in_progress, evict_heads_after) and is
// bounded by limits.handshake_timeout, as the request head is after it.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/awaitable.hpp>

#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

net::awaitable<void> serve_tls(GatewayNode& node, tcp::socket client);

}  // namespace wsfo::gateway
