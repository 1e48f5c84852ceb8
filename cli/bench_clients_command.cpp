// `wsfo bench clients`: the fleet's two performance targets (docs/clients.md),
// measured against `wsfo backend` children this command starts itself:
//   - user-space resident memory per idle connected client (<= 4 KiB), and
//   - new WebSocket sessions per second against one backend (>= 5000/s).
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/self_path.hpp"
#include "clients/fleet.hpp"
#include "clients/process_limits.hpp"
#include "core/json/json_reader.hpp"
#include "process/child_process.hpp"
#include "process/status_line.hpp"

namespace wsfo::cli {

namespace {

struct BenchFlags {
  long long clients = 10000;
  // Each new connection makes a backend write to all its clients, so fewer
  // clients per backend keep that storm (n^2/2 per backend) small.
  long long backends = 100;
  std::string heartbeat;
  long long rate_clients = 4;  // more makes each new session a broadcast to more live ones
  std::string rate_duration = "3s";
  std::string connect_timeout = "60s";
  double connect_rate = 5000;
};

// One `wsfo backend` child: its `ready HOST:PORT` line read from stdout,
// stopped with SIGTERM (SIGKILL if it lingers). Its stderr is ours: the bench
// has no run directory for logs, and a backend's rare errors explain a FAIL.
class BackendChild {
 public:
  BackendChild(const std::string& exe, const std::string& label)
      : process_({exe, "backend", "--label", label, "--listen", "127.0.0.1:0", "--interval", "0s"}, options()) {}

  // "HOST:PORT" from the ready line; empty on timeout or exit.
  std::string wait_ready(std::chrono::milliseconds timeout) {
    auto line = process_.read_stdout_line(timeout);
    if (!line || !line->starts_with("ready ")) return {};
    return line->substr(6);
  }

  pid_t pid() const { return process_.pid(); }

  void stop() {
    process_.send_signal(SIGTERM);
    if (process_.wait_for_exit(std::chrono::milliseconds(2500))) return;
    process_.send_signal(SIGKILL);
    process_.wait_for_exit(std::chrono::seconds(5));
  }

 private:
  static process::ChildOptions options() {
    process::ChildOptions o;
    o.inherit_stderr = true;
    return o;
  }

  process::ChildProcess process_;
};

struct Memory {
  long resident_kib = 0;  // statm resident
  long anon_kib = 0;      // RssAnon: heap and stacks, no mapped files
};

Memory read_memory() {
  Memory m;
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  m.resident_kib = resident * (sysconf(_SC_PAGESIZE) / 1024);
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("RssAnon:")) std::istringstream(line.substr(8)) >> m.anon_kib;
  return m;
}

// CPU seconds (user + system) a process has used, from /proc/PID/stat; 0 when unreadable.
double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
  double user = 0, system = 0;
  fields >> user >> system;
  return (user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

clients::FleetOptions base_options(const std::vector<std::string>& addresses) {
  clients::FleetOptions options;
  std::string error;
  options.url = *clients::parse_ws_url("ws://bench.wsfo.test/", error);
  std::string entry = "bench.wsfo.test=";
  for (std::size_t i = 0; i < addresses.size(); ++i) entry += (i ? "," : "") + addresses[i];
  options.names.add(entry, error);
  options.sources = clients::SourcePool::parse("127.1.0.0/16", error);
  options.handle_signals = false;
  options.source_name = "bench";
  return options;
}

struct Row {
  std::string measure, value, target;
  bool pass;
};

int run_bench(const BenchFlags& flags, const std::string& command_line) {
  auto fail_usage = [](const std::string& flag, const std::string& why) {
    std::cerr << "wsfo bench clients: " << flag << ": " << why << "\n";
    return kUsage;
  };
  if (flags.clients < 1 || flags.clients > 19000) return fail_usage("--clients", "must be from 1 to 19000");
  if (flags.backends < 1 || flags.backends > 200) return fail_usage("--backends", "must be from 1 to 200");
  if (flags.rate_clients < 1 || flags.rate_clients > 1000) return fail_usage("--rate-clients", "must be 1..1000");
  auto rate_duration = json::parse_duration(flags.rate_duration);
  if (!rate_duration || rate_duration->count() <= 0) return fail_usage("--rate-duration", "not a positive duration");
  auto connect_timeout = json::parse_duration(flags.connect_timeout);
  if (!connect_timeout || connect_timeout->count() <= 0)
    return fail_usage("--connect-timeout", "not a positive duration");
  std::optional<clients::Nanos> heartbeat;
  if (!flags.heartbeat.empty()) {
    heartbeat = json::parse_duration(flags.heartbeat);
    if (!heartbeat || heartbeat->count() <= 0) return fail_usage("--heartbeat", "not a positive duration");
  }
  clients::raise_descriptor_limit();
  std::string exe = self_path();

  std::cout << "command: " << command_line << "\n";
  process::StatusLine status("bench clients");
  std::ostream& log = status.log();
  char line[256];
  std::vector<std::unique_ptr<BackendChild>> backends;
  std::vector<std::string> addresses;
  for (long long i = 0; i <= flags.backends; ++i) {  // the last one is for the session rate
    status.doing("starting backend " + std::to_string(i + 1) + " of " + std::to_string(flags.backends + 1));
    backends.push_back(std::make_unique<BackendChild>(exe, "bench" + std::to_string(i)));
    auto address = backends.back()->wait_ready(std::chrono::seconds(10));
    if (address.empty()) {
      status.finish();
      std::cerr << "wsfo bench clients: backend " << i << " did not print its ready line\n";
      return kCannotStart;
    }
    addresses.push_back(address);
  }
  log << "backends: " << flags.backends << " x `" << exe
      << " backend --listen 127.0.0.1:0 --interval 0s` for the idle clients, 1 more for the session rate\n";

  // 1. Memory per idle connected client.
  std::vector<std::string> idle_addresses(addresses.begin(), addresses.end() - 1);
  auto options = base_options(idle_addresses);
  for (long long i = 0; i < flags.clients; ++i) options.router_ids.push_back(static_cast<std::uint64_t>(i));
  options.heartbeat = heartbeat;
  if (heartbeat) options.idle_timeout = *heartbeat * 3;
  options.handshake_timeout = std::chrono::seconds(30);
  options.connect_rate = flags.connect_rate;
  malloc_trim(0);
  Memory before = read_memory();
  auto heap_before = mallinfo2().uordblks;
  std::size_t heap_after = 0;
  Memory after;
  bool all_connected = false;
  clients::FleetSummary idle_summary;
  double connect_seconds = 0;
  {
    clients::EventSink sink(nullptr, nullptr);
    clients::Fleet fleet(std::move(options), sink);
    status.doing(std::to_string(flags.clients) + " idle clients");
    auto count = status.counting([&fleet, &flags] {
      return std::to_string(fleet.connected_now()) + " of " + std::to_string(flags.clients) + " connected";
    });
    auto started = std::chrono::steady_clock::now();
    std::thread watcher([&] {
      auto deadline = started + *connect_timeout;
      while (std::chrono::steady_clock::now() < deadline) {
        if (fleet.connected_now() >= static_cast<std::uint64_t>(flags.clients)) {
          all_connected = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      connect_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      status.doing(std::to_string(flags.clients) + " idle clients: memory, after 2 s idle");
      std::this_thread::sleep_for(std::chrono::seconds(2));  // idle: the welcome broadcasts are over
      malloc_trim(0);
      after = read_memory();
      heap_after = mallinfo2().uordblks;
      fleet.stop();
    });
    idle_summary = fleet.run();
    watcher.join();
  }
  double per_client_kib = static_cast<double>(after.resident_kib - before.resident_kib) / flags.clients;
  double anon_per_client_kib = static_cast<double>(after.anon_kib - before.anon_kib) / flags.clients;
  std::snprintf(line, sizeof line,
                "idle: %lld clients connected in %.2fs%s; RSS %ld -> %ld KiB, RssAnon %ld -> %ld KiB\n", flags.clients,
                connect_seconds, all_connected ? "" : " (NOT ALL CONNECTED)", before.resident_kib, after.resident_kib,
                before.anon_kib, after.anon_kib);
  log << line;
  if (!all_connected) log << "idle fleet " << idle_summary.format();
  // 2. New sessions per second against one backend: connect, upgrade, close 1000, again at once.
  auto rate_options = base_options({addresses.back()});
  for (long long i = 0; i < flags.rate_clients; ++i) rate_options.router_ids.push_back(static_cast<std::uint64_t>(i));
  rate_options.reconnect = clients::FixedDelay{clients::Nanos(0)};
  rate_options.close_after = clients::Nanos(0);
  rate_options.send_first_message = false;
  rate_options.duration = *rate_duration;
  clients::FleetSummary rate_summary;
  double client_cpu = cpu_seconds(getpid()), backend_cpu = cpu_seconds(backends.back()->pid());
  {
    clients::EventSink sink(nullptr, nullptr);
    clients::Fleet fleet(std::move(rate_options), sink);
    status.doing("session rate, " + std::to_string(flags.rate_clients) + " clients for " + flags.rate_duration);
    auto count = status.counting([&fleet] { return std::to_string(fleet.sessions_opened()) + " sessions"; });
    rate_summary = fleet.run();
  }
  client_cpu = cpu_seconds(getpid()) - client_cpu;
  backend_cpu = cpu_seconds(backends.back()->pid()) - backend_cpu;
  double rate = static_cast<double>(rate_summary.connected) / (static_cast<double>(rate_duration->count()) / 1e9);
  std::snprintf(
      line, sizeof line,
      "rate: %llu sessions in %s by %lld concurrent clients (%llu rejected, handshake p50 %.2fms p99 %.2fms)\n",
      static_cast<unsigned long long>(rate_summary.connected), flags.rate_duration.c_str(), flags.rate_clients,
      static_cast<unsigned long long>(rate_summary.rejected_total()),
      static_cast<double>(rate_summary.handshake_latency.percentile(50).count()) / 1e6,
      static_cast<double>(rate_summary.handshake_latency.percentile(99).count()) / 1e6);
  log << line;
  // Where the time went: both processes share the machine's cores.
  double sessions = std::max<double>(1, static_cast<double>(rate_summary.connected));
  std::snprintf(line, sizeof line, "rate: CPU client %.2fs (%.0f us/session), backend %.2fs (%.0f us/session)\n",
                client_cpu, client_cpu / sessions * 1e6, backend_cpu, backend_cpu / sessions * 1e6);
  log << line;
  status.doing("stopping the backends");
  for (auto& backend : backends) backend->stop();
  status.finish();

  char text[64];
  std::vector<Row> rows;
  std::snprintf(text, sizeof text, "%.2f KiB", per_client_kib);
  rows.push_back({"RSS per idle connected client (" + std::to_string(flags.clients) + ")", text, "<= 4 KiB",
                  all_connected && per_client_kib <= 4.0});
  std::snprintf(text, sizeof text, "%.2f KiB", anon_per_client_kib);
  rows.push_back({"  of which anonymous (heap)", text, "(info)", true});
  std::snprintf(text, sizeof text, "%.2f KiB",
                static_cast<double>(heap_after - heap_before) / 1024.0 / static_cast<double>(flags.clients));
  rows.push_back({"  of which malloc'ed and in use", text, "(info)", true});
  std::snprintf(text, sizeof text, "%.0f/s", rate);
  rows.push_back({"new WebSocket sessions per second", text, ">= 5000/s", rate >= 5000});
  std::printf("\n%-44s %-12s %-12s %s\n", "measure", "value", "target", "result");
  bool ok = true;
  for (const auto& row : rows) {
    bool info = row.target == "(info)";
    std::printf("%-44s %-12s %-12s %s\n", row.measure.c_str(), row.value.c_str(), row.target.c_str(),
                info       ? ""
                : row.pass ? "PASS"
                           : "FAIL");
    ok = ok && row.pass;
  }
  std::fflush(stdout);
  return ok ? kOk : kCheckFailed;
}

}  // namespace

void add_bench_clients_commands(CLI::App& app, int& exit_code) {
  auto* cmd =
      bench_command(app)->add_subcommand("clients", "Memory per idle client and session rate of the client fleet");
  cmd->footer(
      "On a terminal, a status line: the backends starting, the idle clients connected, the sessions of the rate "
      "test, the time so far.\nExit: 0 both targets met, 1 one missed, 2 bad usage or a backend that did not "
      "start.");
  auto flags = std::make_shared<BenchFlags>();
  cmd->add_option("--clients", flags->clients, "Idle clients in this process")->capture_default_str();
  cmd->add_option("--backends", flags->backends, "Backends the idle clients spread over")->capture_default_str();
  cmd->add_option("--heartbeat", flags->heartbeat, "Ping period of the idle clients (default: none)");
  cmd->add_option("--rate-clients", flags->rate_clients, "Concurrent clients for the session rate")
      ->capture_default_str();
  cmd->add_option("--rate-duration", flags->rate_duration, "How long the session rate is measured")
      ->capture_default_str();
  cmd->add_option("--connect-rate", flags->connect_rate, "Idle clients started per second (0: all at once)")
      ->capture_default_str();
  cmd->add_option("--connect-timeout", flags->connect_timeout, "Limit for connecting every idle client")
      ->capture_default_str();
  cmd->callback([flags, &exit_code] {
    exit_code = run_bench(*flags, own_command_line());  // what it throws (a part that did not start): main.cpp
  });
}

}  // namespace wsfo::cli
