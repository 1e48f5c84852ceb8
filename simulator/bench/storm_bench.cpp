#include "simulator/bench/storm_bench.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "simulator/bench/bench_peers.hpp"
#include "simulator/bench/paired_rounds.hpp"

namespace wsfo::bench {

namespace {

using namespace std::chrono_literals;

// nginx's listen backlog in the storm: the wsfo gateway's (SOMAXCONN, as
// Asio asks), so the storm compares the proxies, not nginx's default of 511.
constexpr int kNginxBacklog = 4096;

// Clients per surviving node when --survivors is left to the bench.
constexpr std::size_t kClientsPerSurvivor = 5000;

// Node 0 is A (the one killed), then the survivors B, C, ...
std::string node_name(std::size_t index) { return std::string(1, static_cast<char>('A' + index)); }

RunningProcess start_node(Peer peer, const StormBenchOptions& options, const std::string& dir, std::size_t index,
                          const std::vector<Target>& backends) {
  std::filesystem::create_directories(dir);
  try {
    return peer == Peer::wsfo ? start_wsfo_gateway(options.wsfo_exe, dir, backends, 0)
                              : start_nginx(options.nginx_exe, dir, backends, kNginxBacklog);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(name_of(peer)) + " node " + node_name(index) + " failed to start: " + e.what());
  }
}

// One storm of one proxy: start A and the survivors, connect the fleet
// through A, kill A, wait for the fleet to come back, read the survivors'
// CPU and peak RSS, stop everything.
// `round_name` names the storm on the status line ("5000 clients, round 2 of 3").
StormRound storm(Peer peer, const StormBenchOptions& options, std::size_t clients, std::size_t survivors,
                 const std::string& dir, const std::vector<Target>& backends, StormPeerRuns& runs,
                 std::ostream& progress, const std::string& round_name) {
  const std::string step = round_name + ", " + name_of(peer) + ": ";
  process::show_doing(options.status, step + "starting " + std::to_string(survivors + 1) + " nodes");
  std::vector<RunningProcess> nodes;
  std::vector<Target> survivor_targets;
  for (std::size_t i = 0; i <= survivors; ++i) {
    nodes.push_back(start_node(peer, options, dir + "/node-" + node_name(i), i, backends));
    if (i > 0) survivor_targets.push_back(nodes.back().target);
  }
  StormRound round;
  std::vector<double> cpu_before;
  {
    StormClients fleet(survivor_targets, options.attempt_timeout);
    auto opened_at = std::chrono::steady_clock::now();
    process::show_doing(options.status, step + "connecting through node A");
    std::size_t opened = 0;
    {
      auto count = process::show_count(options.status, [&fleet, clients] {
        return std::to_string(fleet.upgraded_now()) + " of " + std::to_string(clients) + " clients connected";
      });
      opened = fleet.open(nodes[0].target, clients, 120s);
    }
    double open_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - opened_at).count();
    round.set_up = opened == clients;
    if (opened < clients)
      runs.problems.push_back(std::to_string(clients - opened) + " of " + std::to_string(clients) +
                              " clients failed to connect through node A");
    std::this_thread::sleep_for(300ms);  // the backends' welcome messages are read
    for (std::size_t i = 1; i < nodes.size(); ++i) cpu_before.push_back(cpu_seconds(nodes[i].process->pid()));
    fleet.arm();
    nodes[0].process->send_signal(SIGKILL);
    process::show_doing(options.status, step + "node A killed");
    {
      auto count = process::show_count(options.status, [&fleet] {
        return std::to_string(fleet.back_now()) + " of " + std::to_string(fleet.disconnected_now()) +
               " disconnected clients back";
      });
      round.clients = fleet.finish(options.window);
    }
    for (std::size_t i = 1; i < nodes.size(); ++i) {
      auto pid = nodes[i].process->pid();
      round.survivors_cpu_seconds += cpu_seconds(pid) - cpu_before[i - 1];
      round.survivors_peak_rss_mib += static_cast<double>(peak_resident_kib(pid)) / 1024.0;
    }
    const auto& c = round.clients;
    progress << "  " << name_of(peer) << ": " << opened << " clients through node A (pid " << nodes[0].process->pid()
             << ") in " << fixed(open_seconds, 1) << " s, " << c.open_retries << " attempts retried; A killed; " << c.rehomed << " of " << c.disconnected
             << " back through " << survivors << " survivor" << (survivors == 1 ? "" : "s") << ": 50% "
             << fixed(c.rehomed_50_ms, 0) << " ms, 99% " << fixed(c.rehomed_99_ms, 0) << " ms, 100% "
             << fixed(c.rehomed_100_ms, 0) << " ms; handshake p50 " << fixed(c.handshake_p50_ms, 1) << " ms, p99 "
             << fixed(c.handshake_p99_ms, 1) << " ms; " << c.failed_attempts << " failed attempts; survivors CPU "
             << fixed(round.survivors_cpu_seconds, 2) << " s, peak RSS " << fixed(round.survivors_peak_rss_mib, 1)
             << " MiB" << std::endl;
    if (c.never_returned > 0)
      runs.problems.push_back(std::to_string(c.never_returned) + " clients never came back within " +
                              std::to_string(options.window.count()) + " ms");
    if (c.lost_before > 0)
      runs.problems.push_back(std::to_string(c.lost_before) + " connections through node A ended before the kill");
  }  // the fleet's connections close here
  stop(nodes[0]);  // reaps A
  for (std::size_t i = 1; i < nodes.size(); ++i)
    if (auto ended = stop(nodes[i]); !ended.empty())
      runs.problems.push_back("node " + node_name(i) + " ended during the storm: " + ended);
  std::this_thread::sleep_for(300ms);  // the backends see the closes before the next storm
  return round;
}

struct StormRow {
  std::string metric;
  std::string unit;
  int decimals = 0;
  PairedSummary summary;
};

// The rounds whose storms both started with every client connected: only
// they compare the proxies on the same storm.
std::vector<std::size_t> complete_rounds(const StormCase& c) {
  std::vector<std::size_t> rounds;
  for (std::size_t i = 0; i < std::min(c.wsfo.rounds.size(), c.nginx.rounds.size()); ++i)
    if (c.wsfo.rounds[i].set_up && c.nginx.rounds[i].set_up) rounds.push_back(i);
  return rounds;
}

template <typename Get>
StormRow row_of(const std::string& metric, const std::string& unit, int decimals, const StormCase& c, Get get) {
  std::vector<double> w, n;
  for (auto i : complete_rounds(c)) {
    w.push_back(get(c.wsfo.rounds[i]));
    n.push_back(get(c.nginx.rounds[i]));
  }
  return StormRow{metric, unit, decimals, summarize_pairs(w, n)};
}

std::vector<StormRow> rows_of(const StormCase& c) {
  auto count = [](std::size_t v) { return static_cast<double>(v); };
  return {
      row_of("time to 50% re-homed", "ms", 0, c, [](const StormRound& r) { return r.clients.rehomed_50_ms; }),
      row_of("time to 99% re-homed", "ms", 0, c, [](const StormRound& r) { return r.clients.rehomed_99_ms; }),
      row_of("time to 100% re-homed", "ms", 0, c, [](const StormRound& r) { return r.clients.rehomed_100_ms; }),
      row_of("reconnect handshake p50", "ms", 2, c, [](const StormRound& r) { return r.clients.handshake_p50_ms; }),
      row_of("reconnect handshake p99", "ms", 2, c, [](const StormRound& r) { return r.clients.handshake_p99_ms; }),
      row_of("failed attempts", "", 0, c,
             [&](const StormRound& r) { return count(static_cast<std::size_t>(r.clients.failed_attempts)); }),
      row_of("never came back", "", 0, c, [&](const StormRound& r) { return count(r.clients.never_returned); }),
      row_of("survivors' CPU", "s", 2, c, [](const StormRound& r) { return r.survivors_cpu_seconds; }),
      row_of("survivors' peak RSS", "MiB", 1, c, [](const StormRound& r) { return r.survivors_peak_rss_mib; }),
  };
}

}  // namespace

std::size_t survivors_for(const StormBenchOptions& options, std::size_t clients) {
  if (options.survivors > 0) return options.survivors;
  return std::max<std::size_t>(1, (clients + kClientsPerSurvivor - 1) / kClientsPerSurvivor);
}

StormBenchResult run_storm_bench(const StormBenchOptions& options, std::ostream& progress) {
  TempDir dir;
  process::show_doing(options.status, "starting " + std::to_string(options.backends) + " backends");
  auto backend_processes = start_backends(options.wsfo_exe, dir.path(), options.backends, {"--announce", "self"});
  auto backends = targets_of(backend_processes);
  progress << "backends: " << options.backends
           << " x `wsfo backend --listen 127.0.0.1:0 --interval 0s --announce self`; work dir " << dir.path() << "\n";
  StormBenchResult result;
  for (auto clients : options.clients) {
    StormCase c;
    c.clients = clients;
    c.survivors = survivors_for(options, clients);
    progress << clients << " clients, node A killed, " << c.survivors << " surviving node"
             << (c.survivors == 1 ? "" : "s") << "\n";
    for (std::size_t round = 0; round < options.rounds; ++round) {
      progress << " round " << round + 1 << " of " << options.rounds << "\n";
      std::vector<Peer> order =
          round % 2 == 0 ? std::vector<Peer>{Peer::wsfo, Peer::nginx} : std::vector<Peer>{Peer::nginx, Peer::wsfo};
      for (Peer peer : order) {
        auto& runs = peer == Peer::wsfo ? c.wsfo : c.nginx;
        auto node_dir = dir.path() + "/" + name_of(peer) + "-" + std::to_string(clients) + "-r" +
                        std::to_string(round + 1);
        runs.rounds.push_back(storm(peer, options, clients, c.survivors, node_dir, backends, runs, progress,
                                    std::to_string(clients) + " clients, round " + std::to_string(round + 1) + " of " +
                                        std::to_string(options.rounds)));
      }
    }
    result.cases.push_back(std::move(c));
  }
  process::show_doing(options.status, "stopping the backends");
  for (auto& backend : backend_processes) stop(backend);
  return result;
}

void print_storm_table(const StormBenchResult& result, std::ostream& out) {
  char line[256];
  for (const auto& c : result.cases) {
    auto ran = std::min(c.wsfo.rounds.size(), c.nginx.rounds.size());
    auto rounds = complete_rounds(c).size();
    out << c.clients << " clients, node A killed, " << c.survivors << " surviving node" << (c.survivors == 1 ? "" : "s")
        << ": medians over " << rounds << " round" << (rounds == 1 ? "" : "s");
    if (rounds < ran)
      out << " (of " << ran << "; left out: the rounds where a proxy did not get every client connected before the kill)";
    out << "; wsfo/nginx is the median of the per-round ratios, range their lowest and highest\n";
    std::snprintf(line, sizeof line, "%-28s %10s %10s %5s %11s %11s\n", "metric", "wsfo", "nginx", "unit",
                  "wsfo/nginx", "range");
    out << line;
    for (const auto& row : rows_of(c)) {
      const auto& s = row.summary;
      bool has_ratio = s.ratios > 0;
      std::snprintf(line, sizeof line, "%-28s %10s %10s %5s %11s %11s\n", row.metric.c_str(),
                    fixed(s.median_a, row.decimals).c_str(), fixed(s.median_b, row.decimals).c_str(),
                    row.unit.empty() ? "-" : row.unit.c_str(), has_ratio ? fixed(s.ratio, 2).c_str() : "-",
                    has_ratio ? (fixed(s.ratio_low, 2) + "-" + fixed(s.ratio_high, 2)).c_str() : "-");
      out << line;
    }
    for (const auto& p : c.wsfo.problems) out << "wsfo problem: " << p << "\n";
    for (const auto& p : c.nginx.problems) out << "nginx problem: " << p << "\n";
    out << "\n";
  }
}

}  // namespace wsfo::bench
