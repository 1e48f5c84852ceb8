#pragma once
// One connection attempt of a client as a state machine without I/O: the
// engine dials, reads the answer and hands it in; the machine says what to do
// next (open the WebSocket, follow a redirect, or give up with a failure
// kind and its reason). The live client (clients/) and the SimGrid model's
// regions drive the same machine, so a loop of redirects is a
// `redirect_loop` after the same number of hops in both, and both report the
// same texts.
//
// A chain starts at the url the engine dials first; every 30x followed is one
// hop. A Location already visited in the chain is a loop (found before the
// hop limit); more hops than the limit is too_many_redirects.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clients/reconnect_policy.hpp"
#include "core/clients/redirect_follower.hpp"
#include "core/clients/ws_url.hpp"

namespace wsfo::clients {

// Why an attempt failed: the `error` of a `rejected` event (docs/history.md).
enum class AttemptError : std::uint8_t {
  unresolvable,
  bind_failed,
  refused,
  connect_failed,
  connect_timeout,
  handshake_timeout,
  certificate_error,  // wss: the server's certificate failed verification (unknown CA, host name mismatch)
  tls_failed,         // wss: any other TLS handshake failure (protocol version, not TLS at all)
  bad_http,
  bad_handshake,
  http_status,
  redirect_loop,
  too_many_redirects,
  bad_location,
  redirect_not_followed,  // a browser-like client does not follow a 30x on the upgrade
  shutdown,               // the client stopped during the attempt; never recorded
};
std::string_view to_string(AttemptError error);

// An HTTP answer to the upgrade request, as the engine read it.
struct Answer {
  int status = 0;
  std::string_view reason_phrase;
  std::string_view body;      // a refusal's explanation; its first line is reported
  std::string_view location;  // of a 30x
  std::optional<Nanos> retry_after;
};

struct AttemptFailure {
  AttemptError error = AttemptError::http_status;
  std::string reason;  // one line for people
  int status = 0;      // the HTTP status when there was an answer
  std::optional<Nanos> retry_after;
};

// What the engine does next.
struct Step {
  enum class Kind : std::uint8_t { open, follow, fail };
  Kind kind = Kind::fail;
  WsUrl next;      // follow: the next hop's url (canonical)
  int status = 0;  // follow: the 30x followed
  AttemptFailure failure;
};

// Whether a 30x answer to the upgrade is followed. A browser fails the
// WebSocket on any answer but 101 (WHATWG WebSocket: "fail the WebSocket
// connection"), so a client group that behaves as a browser never follows
// one and reports `redirect_not_followed` instead, naming the Location.
enum class Redirects : std::uint8_t { follow, refuse };

class Attempt {
 public:
  explicit Attempt(int max_redirects, Redirects redirects = Redirects::follow)
      : follower_(max_redirects), redirects_(redirects) {}

  // A new chain; the engine dials its first url. Allocates nothing: most
  // attempts are never redirected.
  void start() { follower_.start(); }
  // `current` (the url just dialed) answered.
  Step on_answer(const WsUrl& current, const Answer& answer);
  // The hop ended before an answer (resolve, connect, timeouts, garbage).
  static Step on_failure(AttemptError error, std::string reason);
  // Redirects followed in this chain so far.
  int redirects() const { return follower_.hops(); }

 private:
  RedirectFollower follower_;
  Redirects redirects_;
};

// The Origin header a client that behaves as a browser sends: its page is
// served by the host it connects to ("http://websocket.msha.tech:8020").
std::string browser_origin(const WsUrl& url);

// The Retry-After header's value in whole seconds (0..86400); nullopt for an
// HTTP date or garbage, which clients ignore.
std::optional<Nanos> parse_retry_after(std::string_view value);

// The reasons of the failures before an answer, in every engine's words.
// A failed TLS handshake of a wss:// hop; `cause` is tls::describe_failure's
// words ("certificate verify failed: hostname mismatch").
std::string tls_failure_reason(std::string_view peer, std::string_view cause);
std::string unresolvable_reason(std::string_view host);
std::string refused_reason(std::string_view peer);
std::string connect_failed_reason(std::string_view peer, std::string_view cause);
// An answer that is no HTTP, or the end of the stream before any answer.
std::string garbage_answer_reason(std::string_view peer, std::string_view cause);
// connect_timeout (no TCP connection) or handshake_timeout (no answer to the upgrade).
std::string timeout_reason(AttemptError error, std::string_view peer, Nanos timeout);

}  // namespace wsfo::clients
