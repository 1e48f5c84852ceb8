#pragma once
// The configuration of one gateway node (`wsfo gateway --config FILE`),
// documented in docs/gateway-config.md. Read strictly: every problem names its
// JSON pointer and unknown keys are errors.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gateway/admin_auth.hpp"
#include "core/json/json_reader.hpp"
#include "core/routing/router_id.hpp"
#include "core/routing/rule_set.hpp"
#include "core/vrrp/agent_config.hpp"

namespace wsfo::gateway {

// A numeric address: IPv4 dotted quad or a bracketed IPv6 literal, and a port.
// Names are not accepted: the live address plan is all loopback literals and
// a resolver would add a blocking step to every connect.
struct Endpoint {
  std::string host;  // without brackets
  std::uint16_t port = 0;

  std::string text() const;  // "127.0.0.1:80", "[::1]:80"
  bool operator==(const Endpoint&) const = default;
};

// "127.0.0.1:8080" → Endpoint; nullopt with `error` set when malformed.
std::optional<Endpoint> parse_endpoint(std::string_view text, bool allow_port_zero, std::string& error);

enum class CorrectionMode { redirect, proxy };
enum class Balance { round_robin, router_id_hash };
enum class MissingPolicyKind { local, reject, unit };

struct MissingPolicy {
  MissingPolicyKind kind = MissingPolicyKind::local;
  std::string unit;  // for MissingPolicyKind::unit
};

struct UnitConfig {
  std::string name;
  std::string public_url;          // redirect target base, e.g. "ws://center.websocket.msha.tech:8080"
  std::vector<Endpoint> gateways;  // where a cross-unit `proxy` correction connects
};

struct RouteConfig {
  std::string prefix;  // URI path prefix, longest wins
  std::vector<Endpoint> backends;
  Balance balance = Balance::round_robin;
};

struct Limits {
  std::size_t max_connections = 10000;
  // Accepted connections whose request head is not complete yet; at the cap
  // the gateway stops accepting, and closes the oldest of them once its head
  // is incomplete `evict_heads_after` past its accept (docs/gateway-config.md,
  // "Floods"; core/gateway/handshake_cap.hpp).
  std::size_t max_handshakes_in_progress = 1000;
  std::chrono::nanoseconds evict_heads_after = std::chrono::seconds(1);
  std::chrono::nanoseconds handshake_timeout = std::chrono::seconds(5);
  std::size_t max_header_bytes = 8192;
  std::chrono::nanoseconds idle_timeout = std::chrono::seconds(60);
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(5);
  std::chrono::nanoseconds fail_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds connect_timeout = std::chrono::seconds(5);
  std::chrono::nanoseconds close_timeout = std::chrono::seconds(1);  // wait for the peer's close reply
  std::chrono::nanoseconds retry_after = std::chrono::seconds(1);    // Retry-After of 503 answers
  std::size_t relay_buffer_bytes = 16384;                            // per direction and connection
  std::uint64_t max_message_bytes = 16 << 20;  // a client message's payload, fragments summed; 0: no limit
};

// `tls`: every listener of the node (its VIPs too) speaks TLS (wss://). The
// files are PEM; they are read when the node starts (gateway/tls_listener).
struct TlsConfig {
  std::string certificate_file;  // the served chain; its names decide which SNI is known
  std::string key_file;
  std::string min_version = "1.2";  // "1.2" or "1.3": older clients are refused in the TLS handshake
  // `tls.gateways_ca`: the other units' gateways (the `proxy` correction)
  // are TLS listeners too, reached over TLS and verified against this CA.
  // Empty: they are reached in plain ws://.
  std::string gateways_ca_file{};
  // `tls.backends_ca`: this unit's backends listen in TLS only, reached over
  // TLS and verified against this CA. Empty: they are reached in plain ws://.
  std::string backends_ca_file{};
};

struct GatewayConfig {
  std::string node;
  std::string unit;
  std::vector<Endpoint> listen;
  Endpoint admin{"127.0.0.1", 0};
  AdminAuth admin_auth;          // a token, the paths open without it (docs/gateway-config.md, "Admin API access")
  std::string admin_token_file;  // `admin.token_file`: read at start (gateway/admin_token.cpp) into admin_auth.token
  std::vector<UnitConfig> units;
  CorrectionMode correction = CorrectionMode::redirect;
  // How a handshake from a browser is corrected: one with an Origin header,
  // which browsers always send and cannot leave out (RFC 6455 §4.1), and
  // which cannot follow a 302 on the upgrade. None: as `correction`.
  std::optional<CorrectionMode> browser_correction;
  std::vector<routing::RouterIdSource> router_id_sources{std::begin(routing::kDefaultSourceOrder),
                                                         std::end(routing::kDefaultSourceOrder)};
  MissingPolicy missing;
  routing::RuleSet rules;  // initial rules, used when no state file exists yet
  std::vector<RouteConfig> routes;
  std::string state_file;  // empty: rule changes are not persisted
  Limits limits;
  std::optional<vrrp::AgentConfig> vrrp;  // the embedded VRRP agent (docs/vrrp.md); none: no VIPs
  std::optional<TlsConfig> tls;           // none: plain ws://

  const UnitConfig* find_unit(std::string_view name) const;
  std::vector<std::string> unit_names() const;
};

// Command-line values that replace config values (empty: keep the file's).
struct ConfigOverrides {
  std::vector<std::string> listen;
  std::string admin;
  std::string node;
  std::string unit;
  std::optional<std::string> token;       // replaces admin.token and admin.token_file
  std::optional<std::string> token_file;  // likewise
  bool no_admin_auth = false;             // the admin API asks for no token at all
  std::string state_file;
};

// Writes the overrides into the document before it is read, so they are
// validated exactly like file values.
void apply_overrides(json::Json& document, const ConfigOverrides& overrides);

std::optional<GatewayConfig> read_gateway_config(const json::Json& document, json::Problems& problems);

// Reads, applies the overrides and validates; file problems name the path.
std::optional<GatewayConfig> load_gateway_config(const std::string& path, const ConfigOverrides& overrides,
                                                 json::Problems& problems);

std::string_view to_string(CorrectionMode mode);
// The correction of a handshake that carries (or not) an Origin header.
CorrectionMode correction_for(const GatewayConfig& config, bool from_browser);
std::string_view to_string(Balance balance);

}  // namespace wsfo::gateway
