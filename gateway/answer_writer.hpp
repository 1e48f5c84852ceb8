#pragma once
// Writes an answer of core/gateway/answers (a redirect or a refusal) to a
// client that will not be relayed, then closes its connection.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <string_view>

#include "core/gateway/answers.hpp"
#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

// Between Beast's string views (boost::string_view in 1.74) and the standard ones core takes.
inline std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }
inline boost::beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }

// Counts the answer in the handshake metrics, writes it within the handshake
// timeout, and closes the connection.
net::awaitable<void> send_answer(GatewayNode& node, tcp::socket& socket, const Answer& answer);

// Closes after an answer the way nginx does: stop sending, then read what the
// client still sends for a moment, so the answer is not destroyed by a reset
// because unread request bytes were left in the socket.
net::awaitable<void> lingering_close(tcp::socket& socket);

}  // namespace wsfo::gateway
