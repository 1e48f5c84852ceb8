#pragma once
// One accept on a gateway listener (clients' or admin's) that survives its
// errors: out of descriptors, it waits as AcceptBackoff says, logs at most
// once a second and tries again, never spinning.
#include <utility>  // Boost 1.74's asio awaitable needs it first

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string_view>

#include "gateway/accept_backoff.hpp"
#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

// The next accepted socket; none once `acceptor` is closed. `what` starts
// its log lines ("admin " or ""); `count_failures` counts them in the
// gateway's metrics (the clients' listeners).
net::awaitable<std::optional<tcp::socket>> accept_with_backoff(GatewayNode& node, tcp::acceptor& acceptor,
                                                               AcceptBackoff& backoff, net::steady_timer& pause,
                                                               std::string_view what, bool count_failures);

}  // namespace wsfo::gateway
