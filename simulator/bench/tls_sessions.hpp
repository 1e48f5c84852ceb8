#pragma once
// The TLS session load of `wsfo bench gateway --tls`: each session is a TCP
// connect, a full TLS handshake (no resumption: a client failing over to
// another node has no session to resume), the upgrade and the close
// handshake; what it measures is what terminating TLS costs the proxy.
#include <chrono>
#include <cstddef>
#include <string>

#include "simulator/bench/ws_load.hpp"

namespace wsfo::bench {

struct TlsSessionResult {
  SessionResult sessions;
  double p50_ms = 0;  // of one session, connect to close reply
  double p99_ms = 0;
  std::string error;  // the first failure's reason, when any failed
};

// `concurrency` loops of sessions for `duration`, verifying the proxy's
// certificate against `ca_file` for `server_name` (sent as SNI).
TlsSessionResult run_tls_sessions(const Target& target, const std::string& ca_file, const std::string& server_name,
                                  std::size_t concurrency, std::chrono::nanoseconds duration);

}  // namespace wsfo::bench
