#pragma once
// The client side of a WebSocket upgrade as the bench load generators do it:
// a fixed handshake request from a chosen loopback source address, shared by
// the echo/session load (ws_load) and the reconnect-storm fleet (storm_clients).
#include <netinet/in.h>

// Boost 1.74's awaitable uses std::exchange without including <utility>.
#include <utility>
// (keep the line above first)
#include <boost/asio.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simulator/bench/ws_load.hpp"

namespace wsfo::bench {

// 127.<block>.0.1 ... : a distinct source address per connection index (254 per /24).
boost::asio::ip::address_v4 source_address(std::uint8_t block, std::size_t index);

boost::asio::ip::tcp::endpoint endpoint_of(const Target& target);

// The fixed upgrade request every bench client sends (GET /, Host bench.wsfo.test).
const std::string& handshake_request();

// Connects from `source` and upgrades; returns the bytes read past the
// answer's head, or nullopt when the connect, the request or the 101 failed.
boost::asio::awaitable<std::optional<std::string>> connect_and_upgrade(boost::asio::ip::tcp::socket& socket,
                                                                       const boost::asio::ip::tcp::endpoint& target,
                                                                       boost::asio::ip::address_v4 source);

// The `fraction` percentile of microsecond samples, in ms (reorders them); 0 for none.
double percentile_ms(std::vector<std::uint32_t>& micros, double fraction);

}  // namespace wsfo::bench
