#pragma once
// What `wsfo clients` is told to do: plain data, no networking, so
// the CLI, the benchmark and the live orchestrator fill it the same way.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clients/name_map.hpp"
#include "core/clients/reconnect_policy.hpp"
#include "core/clients/source_pool.hpp"
#include "core/clients/ws_url.hpp"
#include "tls/contexts.hpp"

namespace wsfo::clients {

struct FleetOptions {
  WsUrl url;                              // where every attempt starts (the domain)
  NameMap names;                          // stands in for DNS
  std::vector<std::uint64_t> router_ids;  // one client per entry
  bool query_mode = false;                // routerId in the query, not in headers (browser-like)
  bool cookie_mode = false;               // routerId in a Cookie header, not in its own header
  // Behaves as a browser's WebSocket: no custom headers (query or cookie
  // mode), an Origin header, and a 30x on the upgrade is not followed.
  bool browser = false;
  std::string unit_type = "unit_type";  // the seed's `unitType` header value
  ReconnectSpec reconnect = FixedDelay{};
  std::optional<Nanos> heartbeat;                    // ping period; none: no pings
  Nanos idle_timeout{std::chrono::seconds(15)};      // no pong / nothing heard for this long: the peer is gone
  Nanos handshake_timeout{std::chrono::seconds(5)};  // TCP connect + HTTP upgrade, per hop
  Nanos close_timeout{std::chrono::seconds(2)};      // waiting for the peer's close frame at shutdown
  int max_redirects = 5;
  // wss:// hops (the first url's or a Location's): the CA file the server's
  // certificate must chain to (empty: the system's trust store), whether the
  // chain and the host name are verified, and the test-only legacy offer.
  tls::ClientOptions tls;
  std::size_t max_message_bytes = 1 << 20;  // a larger frame or message fails the connection
  bool send_first_message = true;           // the seed sends Date.now() on open
  std::optional<Nanos> close_after;         // close (1000) this long after connecting, then reconnect
  std::optional<SourcePool> sources;        // bind each socket to one of these before connecting
  std::uint64_t seed = 1;                   // jitter and address picks are reproducible from it
  unsigned threads = 1;
  double connect_rate = 0;              // clients started per second; 0: all at once
  std::optional<Nanos> duration;        // then close all with 1000
  std::string source_name = "clients";  // the `source` of every event
  bool handle_signals = true;           // SIGINT/SIGTERM close all and end the run
};

}  // namespace wsfo::clients
