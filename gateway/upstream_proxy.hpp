#pragma once
// The proxied handshake: connect to an upstream (a local backend, or another
// unit's gateway for the `proxy` correction), pass the request on, pass its
// answer back, and hand a 101 over to the relay.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include "core/gateway/route_decision.hpp"
#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

// `client_buffer` holds what the client sent after its request head.
net::awaitable<void> proxy(GatewayNode& node, tcp::socket client, boost::beast::flat_buffer client_buffer,
                           boost::beast::http::request<boost::beast::http::empty_body> request,
                           const Decision& decision, ClientTransport transport = {});

}  // namespace wsfo::gateway
