#include "simulator/bench/gateway_bench.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "core/json/json_reader.hpp"
#include "simulator/bench/bench_peers.hpp"
#include "simulator/bench/paired_rounds.hpp"
#include "simulator/bench/tls_sessions.hpp"
#include "simulator/bench/ws_load.hpp"
#include "tls/certificates.hpp"

namespace wsfo::bench {

namespace {

using namespace std::chrono_literals;

// Resident memory of a fresh proxy before and after `count` idle proxied
// connections, once the backends' announcements of them are over.
double measure_memory(RunningProcess& proxy, std::size_t count, ProxyFigures& figures, std::ostream& progress) {
  long before = resident_kib(proxy.process->pid());
  IdleConnections idle;
  auto opened = idle.open(proxy.target, count, 60s);
  idle.wait_quiet(1s, 60s);
  long after = resident_kib(proxy.process->pid());
  idle.close();
  if (opened < count)
    figures.problems.push_back(std::to_string(count - opened) + " of " + std::to_string(count) +
                               " idle connections failed");
  double per_connection = static_cast<double>(after - before) / static_cast<double>(std::max<std::size_t>(opened, 1));
  progress << "  idle: " << opened << " connections, VmRSS " << before << " -> " << after << " KiB ("
           << fixed(per_connection, 2) << " KiB each)" << std::endl;
  return per_connection;
}

// One round for one proxy: memory on the fresh process, then echo, then
// session rate.
// `round` names the round on the status line ("round 2 of 9").
RoundFigures measure(Peer peer, const GatewayBenchOptions& options, const std::string& dir,
                     const std::vector<Target>& backends, ProxyFigures& figures, std::ostream& progress,
                     const std::string& round_name) {
  const std::string step = round_name + ", " + name_of(peer) + ": ";
  process::show_doing(options.status, step + "starting");
  auto proxy = peer == Peer::wsfo ? start_wsfo_gateway(options.wsfo_exe, dir, backends, options.relay_buffer_bytes)
                                  : start_nginx(options.nginx_exe, dir, backends);
  progress << name_of(peer) << " (pid " << proxy.process->pid() << ", " << proxy.target.host << ":" << proxy.target.port
           << ")\n";
  RoundFigures round;
  process::show_doing(options.status, step + std::to_string(options.idle_connections) + " idle connections");
  round.kib_per_idle_connection = measure_memory(proxy, options.idle_connections, figures, progress);
  std::this_thread::sleep_for(200ms);  // the idle connections' closes are relayed

  // The proxy's CPU over the whole echo run (connect, settle, measure)
  // tells whether it or the load generator was the limit.
  double cpu_before = cpu_seconds(proxy.process->pid());
  auto wall_before = std::chrono::steady_clock::now();
  process::show_doing(options.status, step + "echo over " + std::to_string(options.connections) + " connections");
  auto echo = run_echo(proxy.target, options.connections, options.duration, options.message_size, options.load_threads);
  double cpu_share = (cpu_seconds(proxy.process->pid()) - cpu_before) /
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  if (!echo.error.empty()) figures.problems.push_back("echo: " + echo.error);
  progress << "  echo: " << echo.round_trips << " round trips over " << echo.connected << " connections, "
           << fixed(echo.per_second(), 0) << "/s, p50 " << fixed(echo.p50_ms, 3) << " ms, p99 " << fixed(echo.p99_ms, 3)
           << " ms; proxy CPU " << fixed(100 * cpu_share, 0) << "% of one core" << std::endl;
  std::this_thread::sleep_for(200ms);

  process::show_doing(options.status,
                      step + "new sessions, " + std::to_string(options.session_concurrency) + " at a time");
  auto sessions = run_sessions(proxy.target, options.session_concurrency, options.session_duration);
  progress << "  sessions: " << sessions.sessions << " (" << sessions.failures << " failed), "
           << fixed(sessions.per_second(), 0) << "/s" << std::endl;
  if (sessions.failures > 0) figures.problems.push_back(std::to_string(sessions.failures) + " sessions failed");
  if (auto ended = stop(proxy); !ended.empty())
    figures.problems.push_back("the proxy ended during the measurement: " + ended + "; the end of its log:\n" +
                               log_tail(dir + (peer == Peer::wsfo ? "/gateway.log" : "/nginx-error.log"), 2000));
  round.round_trips_per_second = echo.per_second();
  round.p50_ms = echo.p50_ms;
  round.p99_ms = echo.p99_ms;
  round.sessions_per_second = sessions.per_second();
  return round;
}

constexpr const char* kTlsServerName = "bench.wsfo.test";

// One TLS round for one proxy: sessions on a fresh process, and the proxy's
// CPU over them.
RoundFigures measure_tls(Peer peer, const GatewayBenchOptions& options, const std::string& dir,
                         const std::vector<Target>& backends, const TlsFiles& files, ProxyFigures& figures,
                         std::ostream& progress, const std::string& round_name) {
  auto proxy = peer == Peer::wsfo
                   ? start_wsfo_gateway(options.wsfo_exe, dir, backends, options.relay_buffer_bytes, &files)
                   : start_nginx(options.nginx_exe, dir, backends, 0, &files);
  progress << name_of(peer) << " (pid " << proxy.process->pid() << ", wss://" << proxy.target.host << ":"
           << proxy.target.port << ")\n";
  process::show_doing(options.status, round_name + ", " + name_of(peer) + ": TLS sessions for " +
                                          json::format_duration(options.session_duration));
  double cpu_before = cpu_seconds(proxy.process->pid());
  auto result = run_tls_sessions(proxy.target, dir + "/ca.pem", kTlsServerName, options.session_concurrency,
                                 options.session_duration);
  double cpu = cpu_seconds(proxy.process->pid()) - cpu_before;
  const auto& s = result.sessions;
  progress << "  TLS sessions: " << s.sessions << " (" << s.failures << " failed), " << fixed(s.per_second(), 0)
           << "/s, p50 " << fixed(result.p50_ms, 2) << " ms, p99 " << fixed(result.p99_ms, 2) << " ms; proxy CPU "
           << fixed(cpu, 2) << " s" << std::endl;
  if (s.failures > 0)
    figures.problems.push_back(std::to_string(s.failures) + " TLS sessions failed, the first: " + result.error);
  if (auto ended = stop(proxy); !ended.empty())
    figures.problems.push_back("the proxy ended during the measurement: " + ended);
  RoundFigures round;
  round.tls_sessions_per_second = s.per_second();
  round.tls_session_p50_ms = result.p50_ms;
  round.tls_session_p99_ms = result.p99_ms;
  round.cpu_ms_per_tls_session = s.sessions > 0 ? 1000 * cpu / static_cast<double>(s.sessions) : 0;
  return round;
}

// The run's own CA and a certificate both proxies serve.
TlsFiles make_tls_files(const std::string& dir) {
  std::string error;
  auto ca = tls::CertificateAuthority::create("wsfo bench CA", error);
  std::optional<tls::PemPair> server;
  if (ca) server = ca->issue_server({kTlsServerName, "127.0.0.1"}, error);
  TlsFiles files{dir + "/proxy.pem", dir + "/proxy.key"};
  for (const auto& [path, text, secret] : {std::tuple{dir + "/ca.pem", ca ? ca->certificate_pem() : "", false},
                                           std::tuple{files.certificate, server ? server->certificate : "", false},
                                           std::tuple{files.key, server ? server->key : "", true}})
    if (error.empty()) error = tls::write_pem(path, text, secret);
  if (!error.empty()) throw std::runtime_error("cannot make the bench's certificates: " + error);
  return files;
}

using Field = double RoundFigures::*;

// What a row's median ratio wsfo/nginx must be, if anything.
enum class Goal { info, at_least_one, at_most_one };

TableRow row_of(const std::string& metric, const std::string& unit, Field field, Goal goal, const ProxyFigures& w,
                const ProxyFigures& n, bool complete) {
  std::vector<double> wsfo, nginx;
  for (const auto& round : w.rounds) wsfo.push_back(round.*field);
  for (const auto& round : n.rounds) nginx.push_back(round.*field);
  auto pairs = summarize_pairs(wsfo, nginx);
  TableRow row{metric, pairs.median_a, pairs.median_b, unit, pairs.ratio, pairs.ratio_low, pairs.ratio_high, "", true};
  if (goal == Goal::info) return row;
  row.target = goal == Goal::at_least_one ? ">= 1.00" : "<= 1.00";
  row.pass = complete && pairs.ratios > 0 && (goal == Goal::at_least_one ? row.ratio >= 1.0 : row.ratio <= 1.0);
  return row;
}

std::vector<TableRow> make_rows(const GatewayBenchOptions& o, const ProxyFigures& w, const ProxyFigures& n) {
  auto complete = w.problems.empty() && n.problems.empty();
  if (o.tls) {
    std::string sessions = "TLS sessions/s (" + std::to_string(o.session_concurrency) + " concurrent)";
    return {
        row_of(sessions, "/s", &RoundFigures::tls_sessions_per_second, Goal::info, w, n, complete),
        row_of("TLS session latency p50", "ms", &RoundFigures::tls_session_p50_ms, Goal::info, w, n, complete),
        row_of("TLS session latency p99", "ms", &RoundFigures::tls_session_p99_ms, Goal::info, w, n, complete),
        row_of("proxy CPU per TLS session", "ms", &RoundFigures::cpu_ms_per_tls_session, Goal::info, w, n, complete),
    };
  }
  std::string echo = std::to_string(o.connections) + " conns, " + std::to_string(o.message_size) + " B";
  return {
      row_of("echo round trips/s (" + echo + ")", "/s", &RoundFigures::round_trips_per_second, Goal::at_least_one, w, n,
             complete),
      row_of("echo latency p50", "ms", &RoundFigures::p50_ms, Goal::info, w, n, complete),
      row_of("echo latency p99", "ms", &RoundFigures::p99_ms, Goal::at_most_one, w, n, complete),
      row_of("new sessions/s (" + std::to_string(o.session_concurrency) + " concurrent)", "/s",
             &RoundFigures::sessions_per_second, Goal::info, w, n, complete),
      row_of("RSS per idle connection (" + std::to_string(o.idle_connections) + ")", "KiB",
             &RoundFigures::kib_per_idle_connection, Goal::at_most_one, w, n, complete),
  };
}

}  // namespace

bool GatewayBenchResult::all_pass() const {
  return std::all_of(rows.begin(), rows.end(), [](const TableRow& r) { return r.pass; });
}

GatewayBenchResult run_gateway_bench(const GatewayBenchOptions& options, std::ostream& progress) {
  TempDir dir;
  process::show_doing(options.status, "starting " + std::to_string(options.backends) + " backends");
  auto backend_processes = start_backends(options.wsfo_exe, dir.path(), options.backends);
  auto backends = targets_of(backend_processes);
  progress << "backends: " << options.backends << " x `wsfo backend --listen 127.0.0.1:0 --interval 0s`; work dir "
           << dir.path() << "\n";
  GatewayBenchResult result;
  std::optional<TlsFiles> tls_files;
  if (options.tls) tls_files = make_tls_files(dir.path());
  for (std::size_t round = 0; round < options.rounds; ++round) {
    progress << "round " << round + 1 << " of " << options.rounds << "\n";
    std::vector<Peer> order =
        round % 2 == 0 ? std::vector<Peer>{Peer::wsfo, Peer::nginx} : std::vector<Peer>{Peer::nginx, Peer::wsfo};
    for (Peer peer : order) {
      auto& figures = peer == Peer::wsfo ? result.wsfo : result.nginx;
      const std::string step = "round " + std::to_string(round + 1) + " of " + std::to_string(options.rounds);
      figures.rounds.push_back(
          tls_files ? measure_tls(peer, options, dir.path(), backends, *tls_files, figures, progress, step)
                    : measure(peer, options, dir.path(), backends, figures, progress, step));
    }
    if (tls_files) continue;
    const auto& w = result.wsfo.rounds.back();
    const auto& n = result.nginx.rounds.back();
    progress << "  round " << round + 1 << " wsfo/nginx: throughput "
             << fixed(ratio_of(w.round_trips_per_second, n.round_trips_per_second), 2) << ", p99 "
             << fixed(ratio_of(w.p99_ms, n.p99_ms), 2) << std::endl;
  }
  process::show_doing(options.status, "stopping the backends");
  for (auto& backend : backend_processes) stop(backend);
  result.rows = make_rows(options, result.wsfo, result.nginx);
  return result;
}

void print_table(const GatewayBenchResult& result, std::ostream& out) {
  char line[256];
  auto rounds = std::min(result.wsfo.rounds.size(), result.nginx.rounds.size());
  out << "medians over " << rounds << " round" << (rounds == 1 ? "" : "s")
      << "; wsfo/nginx is the median of the per-round ratios, range their lowest and highest\n";
  std::snprintf(line, sizeof line, "%-40s %12s %12s %6s %12s %11s %8s  %s\n", "metric", "wsfo", "nginx", "unit",
                "wsfo/nginx", "range", "target", "result");
  out << line;
  for (const auto& row : result.rows) {
    int decimals = row.unit == "/s" ? 0 : (row.unit == "ms" ? 3 : 2);
    std::string range = fixed(row.ratio_low, 2) + "-" + fixed(row.ratio_high, 2);
    std::snprintf(line, sizeof line, "%-40s %12s %12s %6s %12s %11s %8s  %s\n", row.metric.c_str(),
                  fixed(row.wsfo, decimals).c_str(), fixed(row.nginx, decimals).c_str(), row.unit.c_str(),
                  fixed(row.ratio, 2).c_str(), range.c_str(), row.target.empty() ? "-" : row.target.c_str(),
                  row.target.empty() ? "info" : (row.pass ? "PASS" : "FAIL"));
    out << line;
  }
  for (const auto& p : result.wsfo.problems) out << "wsfo problem: " << p << "\n";
  for (const auto& p : result.nginx.problems) out << "nginx problem: " << p << "\n";
}

}  // namespace wsfo::bench
