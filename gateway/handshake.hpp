#pragma once
// A new client connection up to its routing decision: the request head, read
// within the size and time limits, then core/gateway/route_decision's verdict
// (an answer, or the proxied handshake).
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/awaitable.hpp>

#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

net::awaitable<void> handle_handshake(GatewayNode& node, tcp::socket client, ClientTransport transport = {});

}  // namespace wsfo::gateway
