#pragma once
// `wsfo bench gateway`: the same load against `wsfo gateway` and nginx in
// one run, figures as ratios wsfo/nginx (issue 3, performance part).
#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "process/status_line.hpp"

namespace wsfo::bench {

struct GatewayBenchOptions {
  std::string wsfo_exe;  // this binary, for `backend` and `gateway`
  std::string nginx_exe = "/usr/sbin/nginx";
  std::size_t backends = 16;
  std::size_t connections = 1000;
  std::size_t idle_connections = 5000;
  std::chrono::nanoseconds duration = std::chrono::seconds(5);
  std::chrono::nanoseconds session_duration = std::chrono::seconds(3);
  std::size_t session_concurrency = 64;
  std::size_t message_size = 64;
  std::size_t rounds = 9;
  std::size_t load_threads = 1;        // threads of the echo load generator
  std::size_t relay_buffer_bytes = 0;  // the gateway's limits.relay_buffer_bytes; 0: its default
  // Both proxies terminate TLS, and a round measures TLS sessions only
  // (tls_sessions.hpp): the rate, their latency, the proxy's CPU per session.
  bool tls = false;
  process::StatusLine* status = nullptr;  // where the round, the proxy and the test are shown, if anywhere
};

// What one proxy achieved in one round.
struct RoundFigures {
  double round_trips_per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double sessions_per_second = 0;
  double kib_per_idle_connection = 0;
  double tls_sessions_per_second = 0;  // with `tls`
  double tls_session_p50_ms = 0;
  double tls_session_p99_ms = 0;
  double cpu_ms_per_tls_session = 0;  // the proxy's user + system CPU
};

// What one proxy achieved, round by round (round i of both proxies ran back
// to back, so their ratio is a paired sample).
struct ProxyFigures {
  std::vector<RoundFigures> rounds;
  std::vector<std::string> problems;  // e.g. connections that failed to upgrade
};

// A metric's medians over the rounds, and the median, lowest and highest of
// the per-round ratios wsfo/nginx (paired_rounds.hpp); the verdict is on the
// median ratio.
struct TableRow {
  std::string metric;
  double wsfo = 0;
  double nginx = 0;
  std::string unit;
  double ratio = 0;
  double ratio_low = 0;
  double ratio_high = 0;
  std::string target;  // "" for information only
  bool pass = true;
};

struct GatewayBenchResult {
  ProxyFigures wsfo;
  ProxyFigures nginx;
  std::vector<TableRow> rows;
  bool all_pass() const;
};

// Starts the backends and, round after round (order alternating), each
// proxy afresh; `progress` gets one line per measurement. Throws
// std::runtime_error when a process cannot be started.
GatewayBenchResult run_gateway_bench(const GatewayBenchOptions& options, std::ostream& progress);

void print_table(const GatewayBenchResult& result, std::ostream& out);

}  // namespace wsfo::bench
