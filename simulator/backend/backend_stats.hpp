#pragma once
// Counters a backend keeps about the connections it serves, reported as JSON
// at `GET /stats`. The gateway tells a backend whose connection it forwards
// through headers; this is how tests check which routerIds a unit served.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace wsfo::backend {

// The key under which a connection without that header is counted.
inline constexpr std::string_view kNoHeaderKey = "none";
// The key for a routerId header that is not a valid routerId.
inline constexpr std::string_view kMalformedKey = "malformed";

struct ConnectionCounts {
  std::uint64_t open = 0;
  std::uint64_t total = 0;
};

// What the handshake said about who this connection is.
struct ConnectionOrigin {
  std::string router_id;  // canonical decimal, kNoHeaderKey or kMalformedKey
  std::string node;       // X-Wsfo-Node or kNoHeaderKey
};

// routerId header value (absent: nullptr) -> key in the stats.
std::string router_id_key(const std::string* header_value);

class BackendStats {
 public:
  explicit BackendStats(std::string label) : label_(std::move(label)) {}

  void connection_opened(const ConnectionOrigin& origin);
  void connection_closed(const ConnectionOrigin& origin);
  void message_sent() { ++messages_sent_; }
  void message_received() { ++messages_received_; }
  void broadcast_sent(std::uint64_t seq) { last_broadcast_seq_ = seq; }
  // A TLS listener's handshake that failed (or timed out); returns the count so far.
  std::uint64_t tls_handshake_failed() { return ++tls_handshake_failures_; }

  std::uint64_t open_connections() const { return open_; }
  // {"label", "open_connections", "total_connections", "messages_sent",
  //  "messages_received", "last_broadcast_seq", "tls_handshake_failures",
  //  "router_ids": {"<id>|none|malformed": {"open", "total"}}, "nodes": {...}}
  std::string to_json() const;

 private:
  std::string label_;
  std::uint64_t open_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t messages_sent_ = 0;
  std::uint64_t messages_received_ = 0;
  std::uint64_t last_broadcast_seq_ = 0;
  std::uint64_t tls_handshake_failures_ = 0;
  std::map<std::string, ConnectionCounts> by_router_id_;
  std::map<std::string, ConnectionCounts> by_node_;
};

}  // namespace wsfo::backend
