#pragma once
// The HTTP answers a gateway gives instead of relaying a handshake: a
// redirect, or a refusal with its status, reason phrase, one-line body and
// headers. The live gateway writes them on the wire and the model hands them
// to its simulated clients; both take them from here so that a client sees
// the same answer from either engine. The live gateway's texts are the
// reference: they are what real clients have seen.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/gateway/route_decision.hpp"

namespace wsfo::gateway {

// The reason phrase of a status the gateway answers with (RFC 9110; 508 from
// RFC 5842, 431 from RFC 6585); "Error" for any other, which the gateway
// never sends itself (a backend's own answer is passed on as it came).
std::string_view reason_phrase(int status);

struct Answer {
  int status = 0;
  std::optional<RejectReason> refusal;  // why, for the metrics; none for a redirect
  std::string body;                     // one line, without the newline the wire adds
  std::string location;                 // a redirect's target
  std::optional<std::chrono::seconds> retry_after;
  // What a refusal asks of the client (Upgrade, Allow, Sec-WebSocket-Version).
  std::vector<std::pair<std::string, std::string>> headers;

  std::string_view phrase() const { return reason_phrase(status); }
  // Every header the answer carries, in the order the gateway writes them:
  // its own, then Location, then Retry-After.
  std::vector<std::pair<std::string, std::string>> header_fields() const;
};

// A decision that proxies nothing: a redirect or a refusal from the table.
Answer answer_to(const Decision& decision);

// Refusals the gateway decides while reading the request head, before the table.
Answer handshake_timed_out(std::chrono::nanoseconds limit);  // 408
Answer head_too_large(std::size_t max_header_bytes);         // 431
Answer request_with_body();                                  // 400
Answer malformed_request(std::string_view parse_error);      // 400
Answer not_serving();                                        // 503
Answer plain_http_on_tls_port();                             // 400, written without TLS

// Refusals of a proxied handshake (`decision` proxies, locally or to a unit).
Answer no_route(std::string_view target);  // 404: no URI route, or no gateway for the unit
// 502: every candidate failed; `tried` lists them with why (UpstreamChoice::tried).
Answer no_upstream_answered(const Decision& decision, std::string_view tried);
// 503 with Retry-After: the gateway itself is out of descriptors (EMFILE,
// ENFILE) for the upstream connection; no upstream is blamed or marked down.
Answer out_of_descriptors(std::string_view error, std::chrono::nanoseconds retry_after);
// 502: the upstream took the connection but its handshake answer failed.
Answer upstream_handshake_failed(const Decision& decision, std::string_view error);

}  // namespace wsfo::gateway
