#pragma once
// What a gateway does with one handshake request (issue 3, item 2), decided
// without sockets: proxy it to a local backend, redirect it to its unit,
// forward it to a gateway of its unit, or reject it with a status and reason.
// The gateway hands in a view of the parsed request head.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/gateway/gateway_config.hpp"
#include "core/gateway/rules_state.hpp"

namespace wsfo::gateway {

// Set by a gateway that forwards a connection to another unit's gateway, so
// that gateway serves it or refuses it but never sends it back (loop guard).
inline constexpr std::string_view kForwardedByHeader = "X-Wsfo-Forwarded-By";
inline constexpr std::string_view kUnitHeader = "X-Wsfo-Unit";
inline constexpr std::string_view kNodeHeader = "X-Wsfo-Node";

struct RequestHead {
  std::string_view method;
  unsigned version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::string_view target;
  std::vector<std::pair<std::string_view, std::string_view>> fields;  // in arrival order, names as sent

  // Every value of the field `name` (case-insensitive).
  std::vector<std::string_view> values(std::string_view name) const;
};

// Why a handshake was refused; the label is the metrics `reason`.
enum class RejectReason {
  not_upgrade,            // 426
  bad_method,             // 405
  bad_http_version,       // 400
  missing_host,           // 400
  bad_websocket_key,      // 400
  bad_websocket_version,  // 426
  bad_target,             // 400
  malformed_router_id,    // 400
  missing_router_id,      // 400 (policy "reject")
  fenced,                 // 503
  forward_loop,           // 508
  too_many_connections,   // 503
  // Decided by the server, outside the table:
  handshake_timeout,        // 408
  header_too_large,         // 431
  bad_request,              // 400 (unparsable HTTP)
  no_route,                 // 404: no URI route matches the path
  no_backend,               // 502
  client_closed,            // the client left before the handshake completed
  backend_refused_upgrade,  // the backend's own answer is passed on
  not_serving,              // the gateway was stopped through /faults
  handshake_cap,            // closed before its head arrived: the oldest of too many handshakes in progress
  out_of_descriptors,       // 503: the gateway had no descriptor left for the upstream connection
  // On a TLS listener, before any HTTP:
  plain_http_on_tls_port,  // 400 in plain text, as nginx answers
  tls_version,             // the client offered only TLS versions below the minimum
  tls_handshake_failed,    // any other failed TLS handshake (no shared cipher, a bad record...)
};
std::string_view label(RejectReason reason);

struct Decision {
  enum class Kind { proxy_local, redirect, proxy_to_unit, reject };
  Kind kind = Kind::reject;
  std::string rule;  // the name of the table rule that decided
  std::optional<std::uint64_t> router_id;
  std::optional<std::uint32_t> slot;
  std::string unit;      // the unit that serves it (own unit for proxy_local)
  std::string location;  // redirect
  int status = 0;        // redirect (302) and reject
  RejectReason reason_code = RejectReason::bad_request;
  std::string reason;  // one line, also the response body
  std::optional<std::chrono::seconds> retry_after;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers of a reject
};

struct DecisionInputs {
  const RequestHead& request;
  const GatewayConfig& config;
  const RulesState& rules;
  std::size_t live_connections = 0;
};

Decision decide(const DecisionInputs& inputs);

// The unit's public URL followed by the request's path and query; a trailing
// '/' of the URL is not doubled.
std::string redirect_location(std::string_view public_url, std::string_view target);

// Whether the comma-separated header values contain `token` (case-insensitive).
bool has_token(const std::vector<std::string_view>& values, std::string_view token);

}  // namespace wsfo::gateway
