#include "simulator/bench/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <thread>

#include "core/json/json_reader.hpp"
#include "core/scenario/scenario.hpp"
#include "simulator/bench/bench_peers.hpp"
#include "simulator/bench/held_connections_cost.hpp"
#include "simulator/bench/tls_sessions.hpp"
#include "tls/certificates.hpp"
#include "simulator/bench/ws_load.hpp"

namespace wsfo::bench {

namespace calibration_detail {

using namespace std::chrono_literals;

// Connect/upgrade/close loops through the gateway: its CPU per session.
void measure_sessions(const CalibrationOptions& options, const RunningProcess& gateway, Calibration& result,
                      std::ostream& progress) {
  const pid_t pid = gateway.process->pid();
  double cpu = process_cpu_seconds(pid);
  auto sessions = run_sessions(gateway.target, options.session_concurrency, options.duration);
  double used = process_cpu_seconds(pid) - cpu;
  result.sessions = sessions.sessions;
  if (sessions.sessions > 0) result.session_cpu_us = used / static_cast<double>(sessions.sessions) * 1e6;
  if (sessions.failures) result.problems += std::to_string(sessions.failures) + " gateway sessions failed; ";
  progress << "  gateway sessions: " << sessions.sessions << " connect/upgrade/close in " << sessions.seconds
           << " s, gateway CPU " << used << " s -> " << result.session_cpu_us << " us per session\n";
}

// The same loops over TLS through a gateway that terminates it (a fresh
// process, the same backends): what a full TLS handshake adds to a session.
void measure_tls_sessions(const CalibrationOptions& options, const std::string& dir, const std::vector<Target>& backends,
                          Calibration& result, std::ostream& progress) {
  std::string error;
  auto ca = tls::CertificateAuthority::create("wsfo calibrate CA", error);
  std::optional<tls::PemPair> server;
  if (ca) server = ca->issue_server({"calibrate.wsfo.test", "127.0.0.1"}, error);
  TlsFiles files{dir + "/tls-gateway.pem", dir + "/tls-gateway.key"};
  for (const auto& [path, text, secret] : {std::tuple{dir + "/tls-ca.pem", ca ? ca->certificate_pem() : "", false},
                                           std::tuple{files.certificate, server ? server->certificate : "", false},
                                           std::tuple{files.key, server ? server->key : "", true}})
    if (error.empty()) error = tls::write_pem(path, text, secret);
  if (!error.empty()) {
    result.problems += "TLS certificates: " + error + "; ";
    return;
  }
  auto gateway = start_wsfo_gateway(options.wsfo_exe, dir, backends, 0, &files);
  const pid_t pid = gateway.process->pid();
  double cpu = process_cpu_seconds(pid);
  auto sessions = run_tls_sessions(gateway.target, dir + "/tls-ca.pem", "calibrate.wsfo.test",
                                   options.session_concurrency, options.duration);
  double used = process_cpu_seconds(pid) - cpu;
  const auto& s = sessions.sessions;
  result.tls_sessions = s.sessions;
  if (s.sessions > 0) result.tls_session_cpu_us = used / static_cast<double>(s.sessions) * 1e6;
  result.tls_handshake_cpu_us = result.tls_session_cpu_us - result.session_cpu_us;
  if (s.failures) result.problems += std::to_string(s.failures) + " TLS sessions failed: " + sessions.error + "; ";
  if (s.sessions == 0 || result.tls_handshake_cpu_us <= 0)
    result.problems += "TLS sessions cost the gateway no more than plain ones; ";
  progress << "  gateway TLS sessions: " << s.sessions << " connect/TLS handshake/upgrade/close in " << s.seconds
           << " s, gateway CPU " << used << " s -> " << result.tls_session_cpu_us << " us per session, "
           << result.tls_handshake_cpu_us << " us more than a plain one\n";
  if (auto ended = stop(gateway); !ended.empty()) result.problems += "the TLS gateway ended early: " + ended + "; ";
}

// Echo round trips at one size; each is two relayed messages. The set-up of
// the connections is in the CPU figure too, so their sessions are taken off.
EchoPoint measure_echo(const CalibrationOptions& options, const RunningProcess& gateway, std::size_t size,
                       Calibration& result, std::ostream& progress) {
  const pid_t pid = gateway.process->pid();
  double cpu = process_cpu_seconds(pid);
  auto echo = run_echo(gateway.target, options.echo_connections, options.duration, size, 1);
  EchoPoint point;
  point.message_size = size;
  point.gateway_cpu_s = process_cpu_seconds(pid) - cpu;
  point.messages = 2 * echo.round_trips;
  point.connections = echo.connected;
  double setup_cpu = static_cast<double>(echo.connected) * result.session_cpu_us / 1e6;
  if (point.messages > 0)
    point.us_per_message = std::max(0.0, point.gateway_cpu_s - setup_cpu) / static_cast<double>(point.messages) * 1e6;
  if (!echo.error.empty()) result.problems += "echo " + std::to_string(size) + " B: " + echo.error + "; ";
  if (point.messages == 0) result.problems += "echo " + std::to_string(size) + " B: no round trip; ";
  progress << "  gateway echo " << size << " B: " << echo.round_trips << " round trips over " << echo.connected
           << " connections, gateway CPU " << point.gateway_cpu_s << " s -> " << point.us_per_message
           << " us per relayed message\n";
  return point;
}

// Connections held open through the gateway, then closed: its CPU per
// upgrade apart from its CPU per teardown, and its memory per connection.
void measure_held(const CalibrationOptions& options, const RunningProcess& gateway, Calibration& result,
                  std::ostream& progress) {
  auto held = measure_held_connections(gateway.process->pid(), gateway.target, options.idle_connections);
  if (held.opened == 0) {
    result.problems += "no idle connection could be opened through the gateway; ";
    return;
  }
  result.held = held.opened;
  result.open_cpu_us = held.open_us();
  result.close_cpu_us = held.close_us();
  result.connection_bytes =
      static_cast<double>(held.rss_held_kib - held.rss_before_kib) * 1024.0 / static_cast<double>(held.opened);
  progress << "  gateway idle: " << held.opened << " connections opened (gateway CPU " << held.open_cpu_s
           << " s -> " << result.open_cpu_us << " us each), closed (" << held.close_cpu_s << " s -> "
           << result.close_cpu_us << " us each), VmRSS " << held.rss_before_kib << " -> " << held.rss_held_kib
           << " KiB\n";
}

// A broadcast relayed through the gateway to the largest client fan-out:
// the gateway's CPU per message in the form most relayed messages take in a
// scenario (an announcement or a broadcast to many connections at once).
// The echo fit above relays one message per connection per wake-up, which
// costs less per message than a burst over a thousand connections.
void measure_relayed_fanout(const CalibrationOptions& options, const std::string& dir, Calibration& result,
                            std::ostream& progress) {
  ClientCalibrationOptions fleet;
  fleet.wsfo_exe = options.wsfo_exe;
  fleet.dir = dir;
  fleet.duration = options.duration;
  fleet.interval = options.client_interval;
  const std::size_t clients = options.client_fanout.empty() ? 1000 : options.client_fanout.back();
  result.fanout = measure_gateway_fanout(fleet, clients, result.problems);
  progress << "  gateway fan-out: " << clients << " idle clients through the gateway, " << result.fanout.ticks
           << " broadcasts of " << result.fanout.messages_per_tick << " messages each in "
           << json::format_duration(options.duration) << ", gateway CPU " << result.fanout.cpu_s << " s -> "
           << result.fanout.us_per_message << " us per relayed message\n";
  result.message_cpu_us = result.fanout.messages > 0 ? result.fanout.us_per_message : result.echo_message_cpu_us;
}

double kib(std::size_t bytes) { return static_cast<double>(bytes) / 1024.0; }

}  // namespace calibration_detail

Calibration calibrate(const CalibrationOptions& options, std::ostream& progress) {
  using namespace calibration_detail;
  TempDir dir;
  Calibration result;

  // The gateway's backends announce a new connection to that client only
  // and never tick, so the gateway relays nothing but the load's own traffic.
  {
    std::vector<RunningProcess> backend_processes;
    std::vector<Target> backends;
    for (std::size_t i = 0; i < options.backends; ++i) {
      auto label = "b" + std::to_string(i);
      backend_processes.push_back(start_backend_with(options.wsfo_exe, label, dir.path() + "/backend-" + label + ".log",
                                                     {"--interval", "0s", "--announce", "self"}));
      backends.push_back(backend_processes.back().target);
    }
    auto gateway = start_wsfo_gateway(options.wsfo_exe, dir.path(), backends, 0);
    progress << "gateway pid " << gateway.process->pid() << " on " << gateway.target.host << ":" << gateway.target.port
             << ", " << options.backends << " backends\n";
    measure_sessions(options, gateway, result, progress);
    std::vector<Point> points;
    for (auto size : options.message_sizes) {
      std::this_thread::sleep_for(300ms);
      auto point = measure_echo(options, gateway, size, result, progress);
      result.echo.push_back(point);
      result.messages += point.messages;
      if (point.messages > 0) points.push_back({kib(size), point.us_per_message});
    }
    auto fit = fit_line(points);
    if (!fit.error.empty()) {
      result.problems += "gateway message sizes: " + fit.error + "; ";
    } else {
      result.echo_message_cpu_us = fit.intercept;
      result.message_cpu_us_per_kib = fit.slope;
    }
    std::this_thread::sleep_for(300ms);
    measure_held(options, gateway, result, progress);
    measure_relayed_fanout(options, dir.path(), result, progress);
    // An upgrade relays the welcome and the announcement, which the model
    // charges as messages of their own; its teardown is the close figure.
    result.handshake_cpu_us = result.open_cpu_us - 2 * std::max(result.message_cpu_us, 0.0);
    if (auto ended = stop(gateway); !ended.empty()) result.problems += "the gateway ended early: " + ended + "; ";
    measure_tls_sessions(options, dir.path(), backends, result, progress);
    for (auto& b : backend_processes)
      if (auto ended = stop(b); !ended.empty()) result.problems += "a backend ended early: " + ended + "; ";
  }

  BackendCalibrationOptions backend_options;
  backend_options.wsfo_exe = options.wsfo_exe;
  backend_options.dir = dir.path();
  backend_options.fanout_clients = options.fanout_clients;
  backend_options.interval = options.broadcast_interval;
  backend_options.duration = options.duration;
  backend_options.session_concurrency = options.session_concurrency;
  backend_options.held_connections = options.idle_connections;
  result.backend = calibrate_backend(backend_options, progress);
  result.problems += result.backend.problems;

  if (options.testbed) {
    ClientCalibrationOptions client_options;
    client_options.wsfo_exe = options.wsfo_exe;
    client_options.dir = dir.path();
    client_options.duration = options.duration;
    client_options.session_clients = options.client_sessions;
    client_options.fanout_clients = options.client_fanout;
    client_options.interval = options.client_interval;
    result.clients = calibrate_clients(client_options, progress);
    result.problems += result.clients->problems;
    result.cores = usable_cores();
  }
  return result;
}

std::string duration_of_micros(double us) {
  auto ns = std::max<long long>(1, std::llround(us * 1000));
  return ns % 1000 == 0 ? std::to_string(ns / 1000) + "us" : std::to_string(ns) + "ns";
}

namespace calibration_detail {

// One figure's line: its value as written and how it was measured.
void print_figure(std::ostream& out, const char* name, double us, const std::string& how) {
  out << "  " << name << " = " << duration_of_micros(us) << " (" << how;
  if (std::llround(us * 1000) < 1) out << "; measured " << us << " us, written as the least positive figure";
  out << ")\n";
}

// What the model will charge from a figure as written (whole ns, at least 1).
double written_us(double us) { return static_cast<double>(std::max<long long>(1, std::llround(us * 1000))) / 1000; }

std::string number_list(const std::vector<std::size_t>& values) {
  std::string text;
  for (auto v : values) text += (text.empty() ? "" : ", ") + std::to_string(v);
  return text;
}

void print_client_figures(const Calibration& c, std::ostream& out) {
  const ClientFigures& f = *c.clients;
  std::vector<std::size_t> fanouts;
  for (const auto& p : f.fanout) fanouts.push_back(p.clients);
  std::ostringstream wakeup, per_attempt;
  wakeup << f.wakeup_us;
  per_attempt << f.messages_per_attempt;
  out << "  testbed.cores = " << c.cores << " (the cores this process may run on, as nproc counts them)\n";
  print_figure(out, "testbed.client_cpu.handshake", f.handshake_us,
               "`wsfo clients` CPU per `attempt` event of its history, " + std::to_string(f.attempts) +
                   " attempts of " + f.loop + ", straight to a backend, "
                   "less the " + per_attempt.str() + " messages received per attempt (welcome, announcement, echo) x "
                   "client_cpu.message");
  print_figure(out, "testbed.client_cpu.message", f.message_us,
               "least-squares slope of `wsfo clients` CPU per broadcast over fan-outs of " + number_list(fanouts) +
                   " idle clients of a ticking backend, per message received (the intercept, " + wakeup.str() +
                   " us per broadcast, is not charged)");
  print_figure(out, "testbed.client_cpu.close", f.close_us,
               "`wsfo clients` CPU per connection ended under it, " + std::to_string(f.dropped) +
                   " idle clients whose backend was killed: end of file, `disconnected` event, retry a minute away");
  out << "  check: per attempt of the loop (which closes each connection) the model charges the fleet "
         "client_cpu.handshake + close + "
      << per_attempt.str() << " x message = "
      << written_us(f.handshake_us) + written_us(f.close_us) + f.messages_per_attempt * written_us(f.message_us)
      << " us (measured " << f.attempt_us << " us)\n";
}

}  // namespace calibration_detail

void print_figures(const Calibration& c, std::ostream& out) {
  using namespace calibration_detail;
  auto figure = [&out](const char* name, double us, const std::string& how) { print_figure(out, name, us, how); };
  std::string sizes;
  for (const auto& p : c.echo) sizes += (sizes.empty() ? "" : ", ") + std::to_string(p.message_size) + " B";
  std::string fanouts;
  for (const auto& p : c.backend.fanout) fanouts += (fanouts.empty() ? "" : ", ") + std::to_string(p.clients);
  out << "figures:\n";
  figure("gateway_cpu.handshake", c.handshake_cpu_us,
         "gateway CPU per connection opened through it, " + std::to_string(c.held) +
             " held open at once, less the 2 messages it relayed in each (welcome, announcement)");
  figure("gateway_cpu.close", c.close_cpu_us,
         "gateway CPU per connection of those " + std::to_string(c.held) + " closed by their client (end of file)");
  figure("gateway_cpu.message", c.message_cpu_us,
         "gateway CPU per relayed message of a backend's broadcasts to " + std::to_string(c.fanout.clients) +
             " idle clients through it, " + std::to_string(c.fanout.messages) + " messages in " +
             std::to_string(c.fanout.ticks) + " broadcasts; the echo fit's intercept, " +
             duration_of_micros(c.echo_message_cpu_us) + ", relays one message per connection per wake-up");
  figure("gateway_cpu.tls_handshake", c.tls_handshake_cpu_us,
         "gateway CPU per session of " + std::to_string(c.tls_sessions) +
             " connect/TLS handshake/upgrade/close loops through a TLS gateway (" +
             duration_of_micros(c.tls_session_cpu_us) + ") less a plain session's (" +
             duration_of_micros(c.session_cpu_us) + "): one full TLS 1.3 handshake, no resumption");
  figure("gateway_cpu.message_per_kib", c.message_cpu_us_per_kib,
         "least-squares slope of gateway CPU per relayed echo message over sizes " + sizes + ", per KiB");
  figure("backend_cpu.handshake", c.backend.handshake_us,
         "backend CPU per connection opened straight to it, " + std::to_string(c.backend.held) +
             " held open at once, less its welcome and announcement");
  figure("backend_cpu.close", c.backend.close_us,
         "backend CPU per connection of those " + std::to_string(c.backend.held) + " closed by their client");
  figure("backend_cpu.broadcast", c.backend.broadcast_us,
         "least-squares intercept of backend CPU per interval broadcast over fan-outs of " + fanouts + " clients");
  figure("backend_cpu.message", c.backend.message_us, "least-squares slope of the same fit, per client");
  // What the model would charge for a connect/upgrade/close loop's session
  // (two more messages: the close frames) from the written figures, next to
  // that loop's measurement: held connections and a loop batch differently,
  // so the two differ by what batching saves.
  auto written = written_us;
  out << "  check: per session (connect, upgrade, close handshake) the model charges the gateway handshake + close + "
         "4 x message = "
      << written(c.handshake_cpu_us) + written(c.close_cpu_us) + 4 * written(c.message_cpu_us) << " us (a loop of "
      << c.sessions << " sessions measured " << c.session_cpu_us << " us); the backend handshake + close + 3 x message = "
      << written(c.backend.handshake_us) + written(c.backend.close_us) + 3 * written(c.backend.message_us)
      << " us (measured " << c.backend.session_us << " us)\n";
  if (c.clients) print_client_figures(c, out);
  out << "  (not in the block) " << c.connection_bytes
      << " bytes of gateway VmRSS per idle proxied connection: use --connection-memory with wsfo simulate\n";
}

nlohmann::ordered_json simulation_block(const Calibration& c, const nlohmann::ordered_json* links_from) {
  const auto defaults = scenario::default_simulation();
  auto link = [](const scenario::Link& l) {
    nlohmann::ordered_json bandwidth = l.bandwidth_mbps;  // 10000, not 10000.0, when whole
    if (l.bandwidth_mbps == std::floor(l.bandwidth_mbps) && l.bandwidth_mbps < 1e15)
      bandwidth = static_cast<long long>(l.bandwidth_mbps);
    return nlohmann::ordered_json{{"latency", json::format_duration(l.latency)}, {"bandwidth_mbps", bandwidth}};
  };
  nlohmann::ordered_json block;
  block["within_unit"] = link(defaults.within_unit);
  block["between_units"] = link(defaults.between_units);
  if (links_from && links_from->is_object()) {
    if (links_from->contains("within_unit")) block["within_unit"] = links_from->at("within_unit");
    if (links_from->contains("between_units")) block["between_units"] = links_from->at("between_units");
  }
  block["gateway_cpu"] = {{"handshake", duration_of_micros(c.handshake_cpu_us)},
                          {"message", duration_of_micros(c.message_cpu_us)},
                          {"message_per_kib", duration_of_micros(c.message_cpu_us_per_kib)},
                          {"close", duration_of_micros(c.close_cpu_us)},
                          {"tls_handshake", duration_of_micros(std::max(c.tls_handshake_cpu_us, 0.0))}};
  block["backend_cpu"] = {{"handshake", duration_of_micros(c.backend.handshake_us)},
                          {"broadcast", duration_of_micros(c.backend.broadcast_us)},
                          {"message", duration_of_micros(c.backend.message_us)},
                          {"close", duration_of_micros(c.backend.close_us)}};
  if (c.clients)
    block["testbed"] = {{"cores", c.cores},
                        {"client_cpu",
                         {{"handshake", duration_of_micros(c.clients->handshake_us)},
                          {"message", duration_of_micros(c.clients->message_us)},
                          {"close", duration_of_micros(c.clients->close_us)}}}};
  return {{"simulation", block}};
}

}  // namespace wsfo::bench
