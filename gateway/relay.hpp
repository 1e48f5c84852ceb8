#pragma once
// Relays a WebSocket connection after its 101, between the client and an
// upstream (a backend, or another unit's gateway).
#include <boost/beast/http/fields.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/gateway/frame_rules.hpp"
#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

struct RelayStart {
  tcp::socket client;
  tcp::socket upstream;
  std::string unit;  // the unit serving it, for metrics
  std::optional<std::uint32_t> slot;
  std::vector<std::uint8_t> client_pending;    // bytes the client sent after its request head
  std::vector<std::uint8_t> upstream_pending;  // bytes the upstream sent after its 101
  NegotiatedExtensions extensions;             // of the upstream's 101: which RSV bits frames may set
  int client_tcp_descriptor = -1;              // behind the TLS front: the client's own TCP socket
};

// What the upstream's 101 negotiated, from every Sec-WebSocket-Extensions line.
NegotiatedExtensions negotiated_extensions(const boost::beast::http::fields& answer);

// Registers the connection and starts relaying; it unregisters itself when done.
void start_relay(GatewayNode& node, RelayStart start);

}  // namespace wsfo::gateway
