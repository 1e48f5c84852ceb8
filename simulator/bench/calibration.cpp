#include "simulator/bench/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <thread>

#include "simulator/bench/bench_peers.hpp"
#include "simulator/bench/ws_load.hpp"
#include "core/scenario/scenario.hpp"

namespace wsfo::bench {

namespace {

using namespace std::chrono_literals;

std::string micros(double us) {
  // Whole nanoseconds keep the duration exact in the scenario's "Nus"/"Nns" syntax.
  auto ns = static_cast<long long>(std::llround(std::max(us, 0.001) * 1000));
  return ns % 1000 == 0 ? std::to_string(ns / 1000) + "us" : std::to_string(ns) + "ns";
}

}  // namespace

Calibration calibrate(const CalibrationOptions& options, std::ostream& progress) {
  bench::TempDir dir;
  std::vector<bench::RunningProcess> backend_processes;
  std::vector<bench::Target> backends;
  for (std::size_t i = 0; i < options.backends; ++i) {
    auto label = "b" + std::to_string(i);
    backend_processes.push_back(
        bench::start_backend(options.wsfo_exe, label, dir.path() + "/backend-" + label + ".log"));
    backends.push_back(backend_processes.back().target);
  }
  auto gateway = bench::start_wsfo_gateway(options.wsfo_exe, dir.path(), backends, 0);
  const pid_t pid = gateway.process->pid();
  progress << "gateway pid " << pid << " on " << gateway.target.host << ":" << gateway.target.port << ", "
           << options.backends << " backends\n";
  Calibration result;

  // Handshakes: loops of connect, upgrade (the gateway connects its backend),
  // close; the gateway's CPU over the run divided by the sessions.
  double cpu = bench::cpu_seconds(pid);
  auto sessions = bench::run_sessions(gateway.target, options.session_concurrency, options.duration);
  double session_cpu = bench::cpu_seconds(pid) - cpu;
  result.sessions = sessions.sessions;
  if (sessions.sessions > 0) result.handshake_cpu_us = session_cpu / static_cast<double>(sessions.sessions) * 1e6;
  if (sessions.failures) result.problems += std::to_string(sessions.failures) + " sessions failed; ";
  progress << "  sessions: " << sessions.sessions << " in " << sessions.seconds << " s, gateway CPU " << session_cpu
           << " s -> " << result.handshake_cpu_us << " us per handshake\n";
  std::this_thread::sleep_for(300ms);

  // Messages: echo round trips; each is two relayed messages. The set-up of
  // the connections is in the CPU figure too, so its handshakes are taken off.
  cpu = bench::cpu_seconds(pid);
  auto echo = bench::run_echo(gateway.target, options.echo_connections, options.duration, options.message_size, 1);
  double echo_cpu = bench::cpu_seconds(pid) - cpu;
  result.messages = 2 * echo.round_trips;
  double setup_cpu = static_cast<double>(echo.connected) * result.handshake_cpu_us / 1e6;
  if (result.messages > 0)
    result.message_cpu_us = std::max(0.0, echo_cpu - setup_cpu) / static_cast<double>(result.messages) * 1e6;
  if (!echo.error.empty()) result.problems += "echo: " + echo.error + "; ";
  progress << "  echo: " << echo.round_trips << " round trips over " << echo.connected << " connections, gateway CPU "
           << echo_cpu << " s -> " << result.message_cpu_us << " us per relayed message\n";
  std::this_thread::sleep_for(300ms);

  long before = bench::resident_kib(pid);
  bench::IdleConnections idle;
  auto opened = idle.open(gateway.target, options.idle_connections, 30s);
  idle.wait_quiet(1s, 30s);
  long after = bench::resident_kib(pid);
  idle.close();
  if (opened > 0) result.connection_bytes = static_cast<double>(after - before) * 1024.0 / static_cast<double>(opened);
  progress << "  idle: " << opened << " connections, VmRSS " << before << " -> " << after << " KiB\n";

  if (auto ended = bench::stop(gateway); !ended.empty()) result.problems += "the gateway ended early: " + ended;
  for (auto& b : backend_processes) bench::stop(b);
  return result;
}

json::Json simulation_block(const Calibration& c, const json::Json* links_from) {
  const auto defaults = scenario::default_simulation();
  auto link = [](const scenario::Link& l) {
    return json::Json{{"latency", json::format_duration(l.latency)}, {"bandwidth_mbps", l.bandwidth_mbps}};
  };
  json::Json block = {{"within_unit", link(defaults.within_unit)}, {"between_units", link(defaults.between_units)}};
  if (links_from && links_from->is_object()) {
    if (links_from->contains("within_unit")) block["within_unit"] = links_from->at("within_unit");
    if (links_from->contains("between_units")) block["between_units"] = links_from->at("between_units");
  }
  block["gateway_cpu"] = {{"handshake", micros(c.handshake_cpu_us)}, {"message", micros(c.message_cpu_us)}};
  return {{"simulation", block}};
}

}  // namespace wsfo::bench
