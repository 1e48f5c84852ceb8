#pragma once
// Relays a WebSocket connection after its 101, between the client and an
// upstream (a backend, or another unit's gateway).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/gateway_node.hpp"

namespace wsfo::gateway {

struct RelayStart {
  tcp::socket client;
  tcp::socket upstream;
  std::string unit;  // the unit serving it, for metrics
  std::optional<std::uint32_t> slot;
  std::vector<std::uint8_t> client_pending;    // bytes the client sent after its request head
  std::vector<std::uint8_t> upstream_pending;  // bytes the upstream sent after its 101
};

// Registers the connection and starts relaying; it unregisters itself when done.
void start_relay(GatewayNode& node, RelayStart start);

}  // namespace wsfo::gateway
