#include "simulator/bench/gateway_bench.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "simulator/bench/bench_peers.hpp"
#include "simulator/bench/ws_load.hpp"

namespace wsfo::bench {

namespace {

using namespace std::chrono_literals;

enum class Peer { wsfo, nginx };

const char* name_of(Peer peer) { return peer == Peer::wsfo ? "wsfo" : "nginx"; }

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

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
// session rate. Keeps the best figure of each kind in `figures`.
void measure(Peer peer, const GatewayBenchOptions& options, const std::string& dir, const std::vector<Target>& backends,
             ProxyFigures& figures, bool first_round, std::ostream& progress) {
  auto proxy = peer == Peer::wsfo ? start_wsfo_gateway(options.wsfo_exe, dir, backends, options.relay_buffer_bytes)
                                  : start_nginx(options.nginx_exe, dir, backends);
  progress << name_of(peer) << " (pid " << proxy.process->pid() << ", " << proxy.target.host << ":" << proxy.target.port
           << ")\n";
  double kib = measure_memory(proxy, options.idle_connections, figures, progress);
  std::this_thread::sleep_for(200ms);  // the idle connections' closes are relayed

  // The proxy's CPU over the whole echo run (connect, settle, measure)
  // tells whether it or the load generator was the limit.
  double cpu_before = cpu_seconds(proxy.process->pid());
  auto wall_before = std::chrono::steady_clock::now();
  auto echo = run_echo(proxy.target, options.connections, options.duration, options.message_size, options.load_threads);
  double cpu_share = (cpu_seconds(proxy.process->pid()) - cpu_before) /
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count();
  if (!echo.error.empty()) figures.problems.push_back("echo: " + echo.error);
  progress << "  echo: " << echo.round_trips << " round trips over " << echo.connected << " connections, "
           << fixed(echo.per_second(), 0) << "/s, p50 " << fixed(echo.p50_ms, 3) << " ms, p99 " << fixed(echo.p99_ms, 3)
           << " ms; proxy CPU " << fixed(100 * cpu_share, 0) << "% of one core" << std::endl;
  std::this_thread::sleep_for(200ms);

  auto sessions = run_sessions(proxy.target, options.session_concurrency, options.session_duration);
  progress << "  sessions: " << sessions.sessions << " (" << sessions.failures << " failed), "
           << fixed(sessions.per_second(), 0) << "/s" << std::endl;
  if (sessions.failures > 0) figures.problems.push_back(std::to_string(sessions.failures) + " sessions failed");
  if (auto ended = stop(proxy); !ended.empty())
    figures.problems.push_back("the proxy ended during the measurement: " + ended + "; the end of its log:\n" +
                               log_tail(dir + (peer == Peer::wsfo ? "/gateway.log" : "/nginx-error.log"), 2000));

  if (first_round || echo.per_second() > figures.round_trips_per_second) {
    figures.round_trips_per_second = echo.per_second();
    figures.p50_ms = echo.p50_ms;
    figures.p99_ms = echo.p99_ms;
  }
  figures.sessions_per_second = std::max(figures.sessions_per_second, sessions.per_second());
  figures.kib_per_idle_connection = first_round ? kib : std::min(figures.kib_per_idle_connection, kib);
}

std::vector<TableRow> make_rows(const GatewayBenchOptions& o, const ProxyFigures& w, const ProxyFigures& n) {
  auto complete = w.problems.empty() && n.problems.empty();
  std::string echo = std::to_string(o.connections) + " conns, " + std::to_string(o.message_size) + " B";
  std::vector<TableRow> rows;
  rows.push_back({"echo round trips/s (" + echo + ")", w.round_trips_per_second, n.round_trips_per_second, "/s",
                  ">= 1.00", complete && w.round_trips_per_second >= n.round_trips_per_second});
  rows.push_back({"echo latency p50", w.p50_ms, n.p50_ms, "ms", "", true});
  rows.push_back({"echo latency p99", w.p99_ms, n.p99_ms, "ms", "<= 1.00", complete && w.p99_ms <= n.p99_ms});
  rows.push_back({"new sessions/s (" + std::to_string(o.session_concurrency) + " concurrent)", w.sessions_per_second,
                  n.sessions_per_second, "/s", "", true});
  rows.push_back({"RSS per idle connection (" + std::to_string(o.idle_connections) + ")", w.kib_per_idle_connection,
                  n.kib_per_idle_connection, "KiB", "<= 1.00",
                  complete && w.kib_per_idle_connection <= n.kib_per_idle_connection});
  return rows;
}

}  // namespace

bool GatewayBenchResult::all_pass() const {
  return std::all_of(rows.begin(), rows.end(), [](const TableRow& r) { return r.pass; });
}

GatewayBenchResult run_gateway_bench(const GatewayBenchOptions& options, std::ostream& progress) {
  TempDir dir;
  std::vector<RunningProcess> backend_processes;
  std::vector<Target> backends;
  for (std::size_t i = 0; i < options.backends; ++i) {
    auto label = "b" + std::to_string(i);
    backend_processes.push_back(start_backend(options.wsfo_exe, label, dir.path() + "/backend-" + label + ".log"));
    backends.push_back(backend_processes.back().target);
  }
  progress << "backends: " << options.backends << " x `wsfo backend --listen 127.0.0.1:0 --interval 0s`; work dir "
           << dir.path() << "\n";
  GatewayBenchResult result;
  for (std::size_t round = 0; round < options.rounds; ++round) {
    progress << "round " << round + 1 << " of " << options.rounds << "\n";
    std::vector<Peer> order =
        round % 2 == 0 ? std::vector<Peer>{Peer::wsfo, Peer::nginx} : std::vector<Peer>{Peer::nginx, Peer::wsfo};
    for (Peer peer : order)
      measure(peer, options, dir.path(), backends, peer == Peer::wsfo ? result.wsfo : result.nginx, round == 0,
              progress);
  }
  for (auto& backend : backend_processes) stop(backend);
  result.rows = make_rows(options, result.wsfo, result.nginx);
  return result;
}

void print_table(const GatewayBenchResult& result, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-40s %12s %12s %6s %12s %8s  %s\n", "metric", "wsfo", "nginx", "unit",
                "wsfo/nginx", "target", "result");
  out << line;
  for (const auto& row : result.rows) {
    double ratio = row.nginx > 0 ? row.wsfo / row.nginx : 0;
    int decimals = row.unit == "/s" ? 0 : (row.unit == "ms" ? 3 : 2);
    std::snprintf(line, sizeof line, "%-40s %12s %12s %6s %12s %8s  %s\n", row.metric.c_str(),
                  fixed(row.wsfo, decimals).c_str(), fixed(row.nginx, decimals).c_str(), row.unit.c_str(),
                  fixed(ratio, 2).c_str(), row.target.empty() ? "-" : row.target.c_str(),
                  row.target.empty() ? "info" : (row.pass ? "PASS" : "FAIL"));
    out << line;
  }
  for (const auto& p : result.wsfo.problems) out << "wsfo problem: " << p << "\n";
  for (const auto& p : result.nginx.problems) out << "nginx problem: " << p << "\n";
}

}  // namespace wsfo::bench
