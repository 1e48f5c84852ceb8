#include "simulator/bench/client_calibration.hpp"

#include <sched.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <stdexcept>
#include <thread>

#include "core/history/event.hpp"
#include "core/json/json_reader.hpp"
#include "simulator/bench/backend_calibration.hpp"
#include "simulator/bench/bench_peers.hpp"
#include "simulator/bench/calibration_fit.hpp"
#include "simulator/bench/held_connections_cost.hpp"
#include "process/live_clock.hpp"

namespace wsfo::bench {

namespace client_calibration_detail {

using namespace std::chrono_literals;

// A `wsfo clients` child of `count` clients (routerIds 1..count) straight to
// `backend`; its stdout (the summary) and stderr go to its log.
RunningProcess start_clients(const ClientCalibrationOptions& options, const std::string& label, const Target& backend,
                             std::size_t count, const std::vector<std::string>& extra_flags) {
  std::vector<std::string> argv{options.wsfo_exe,
                                "clients",
                                "--url",
                                "ws://" + backend.host + ":" + std::to_string(backend.port) + "/",
                                "--router-id-range",
                                "1-" + std::to_string(count),
                                "--source-net",
                                options.source_net,
                                "--source",
                                label};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  process::ChildOptions child;
  child.log_file = options.dir + "/" + label + ".log";
  child.stdout_to_log = true;
  RunningProcess running;
  running.process = std::make_unique<process::ChildProcess>(argv, child);
  running.target = backend;
  return running;
}

// Throws when the fleet has ended: a measurement of a dead process is none.
void require_running(RunningProcess& fleet, const std::string& label) {
  if (auto ended = fleet.process->try_wait())
    throw std::runtime_error("wsfo clients (" + label + ") ended at once: " +
                             process::describe_end(*ended, fleet.process->log_file()));
}

// Waits until the backend holds `count` open connections; false after `timeout`.
bool wait_connected(RunningProcess& fleet, const std::string& label, const Target& backend, std::size_t count,
                    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    require_running(fleet, label);
    if (read_backend_stats(backend).open_connections >= count) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// The total of messages the fleet's summary says it received; -1 when the
// log holds no summary.
long long summary_messages(const std::string& log) {
  std::ifstream in(log);
  std::string line;
  static const std::regex counts(R"(, messages ([0-9]+))");
  std::smatch match;
  while (std::getline(in, line))
    if (std::regex_search(line, match, counts)) return std::stoll(match[1]);
  return -1;
}

struct WindowEvents {
  std::uint64_t attempts = 0;
  std::uint64_t connected = 0;
  std::uint64_t disconnected = 0;
  std::map<std::string, std::uint64_t> rejected;  // by error code
};

// The attempt, connected and rejected events of an events file stamped
// within [from_ns, to_ns] (CLOCK_MONOTONIC, as every wsfo process writes).
WindowEvents events_between(const std::string& path, std::int64_t from_ns, std::int64_t to_ns) {
  WindowEvents counts;
  std::ifstream in(path);
  std::string line, error;
  while (std::getline(in, line)) {
    auto event = history::parse_event_line(line, error);
    if (!event || event->t_ns < from_ns || event->t_ns > to_ns) continue;
    if (event->kind == "attempt") ++counts.attempts;
    if (event->kind == "connected") ++counts.connected;
    if (event->kind == "disconnected") ++counts.disconnected;
    if (event->kind == "rejected") ++counts.rejected[event->fields.value("error", std::string("?"))];
  }
  return counts;
}

// CPU per broadcast at one fan-out: `clients` idle clients of a fresh
// backend ticking every `interval`, the measured process's CPU over
// `duration` next to what the backend's /stats says it sent meanwhile. The
// measured process is the fleet, or with `through_gateway` a `wsfo gateway`
// between the fleet and the backend, relaying every broadcast message.
ClientFanoutPoint measure_fanout(const ClientCalibrationOptions& options, std::size_t clients, bool through_gateway,
                                 std::string& problems) {
  auto label = std::string(through_gateway ? "gateway-fanout" : "clients-fanout") + std::to_string(clients);
  auto backend = start_backend_with(options.wsfo_exe, label, options.dir + "/backend-" + label + ".log",
                                    {"--interval", json::format_duration(options.interval), "--announce", "self"});
  ClientFanoutPoint point;
  point.clients = clients;
  std::optional<RunningProcess> gateway;
  if (through_gateway) {
    const std::string gateway_dir = options.dir + "/" + label;  // its config and state apart from other gateways'
    std::filesystem::create_directories(gateway_dir);
    gateway = start_wsfo_gateway(options.wsfo_exe, gateway_dir, {backend.target}, 0);
  }
  auto fleet = start_clients(options, label, gateway ? gateway->target : backend.target, clients, {});
  auto stop_all = [&] {
    if (auto ended = stop(fleet); !ended.empty()) problems += "wsfo clients (" + label + ") ended early: " + ended + "; ";
    if (gateway)
      if (auto ended = stop(*gateway); !ended.empty()) problems += "gateway " + label + " ended early: " + ended + "; ";
    if (auto ended = stop(backend); !ended.empty()) problems += "backend " + label + " ended early: " + ended + "; ";
  };
  if (!wait_connected(fleet, label, backend.target, clients, 30s)) {
    problems += "the fleet of " + std::to_string(clients) + " idle clients (" + label + ") did not all connect in 30 s; ";
    stop_all();
    return point;
  }
  std::this_thread::sleep_for(300ms);  // the welcomes, announcements and echoes are read
  auto window = measure_window(gateway ? gateway->process->pid() : fleet.process->pid(), backend.target, options.duration);
  point.cpu_s = window.cpu_s;
  const std::string log = fleet.process->log_file();
  stop_all();
  point.messages = window.messages();
  point.ticks = window.broadcasts();
  if (point.messages == 0 || point.ticks == 0) {
    problems += "backend " + label + " sent no broadcast in the window; ";
    return point;
  }
  point.us_per_message = point.cpu_s / static_cast<double>(point.messages) * 1e6;
  point.messages_per_tick = static_cast<double>(point.messages) / static_cast<double>(point.ticks);
  point.us_per_tick = point.cpu_s / static_cast<double>(point.ticks) * 1e6;
  // The backend counts a message once written to the socket: a fleet (or a
  // gateway) that fell behind would be charged for messages still in buffers.
  auto received = summary_messages(log);
  if (received < 0) {
    problems += "wsfo clients (" + label + ") printed no summary, so whether it kept up is unknown; ";
  } else if (static_cast<double>(received) + static_cast<double>(clients) <
             0.98 * static_cast<double>(window.after.messages_sent)) {
    problems += "the fleet of " + std::to_string(clients) + " clients (" + label + ") read " + std::to_string(received) +
                " of " + std::to_string(window.after.messages_sent) +
                " messages sent (it fell behind; try a longer --client-interval); ";
  }
  return point;
}

// Connections that end under the fleet: `clients` idle clients of a backend
// that is then killed; the fleet reads each end of file, writes its
// `disconnected` event and waits (the retry is a minute away): its CPU from
// the kill until it is idle again, per connection.
void measure_drops(const ClientCalibrationOptions& options, std::size_t clients, ClientFigures& figures,
                   std::ostream& progress) {
  const std::string label = "clients-drops";
  auto backend = start_backend_with(options.wsfo_exe, label, options.dir + "/backend-" + label + ".log",
                                    {"--interval", "0s", "--announce", "self"});
  const std::string events = options.dir + "/" + label + ".events";
  auto fleet = start_clients(options, label, backend.target, clients, {"--reconnect", "fixed:60s", "--events", events});
  if (!wait_connected(fleet, label, backend.target, clients, 30s)) {
    figures.problems += "the fleet of " + std::to_string(clients) + " clients to drop did not all connect in 30 s; ";
    stop(fleet);
    stop(backend);
    return;
  }
  const pid_t pid = fleet.process->pid();
  const double before = cpu_when_idle(pid, 300ms, 10s);
  const std::int64_t from_ns = process::LiveClock::now_ns();
  backend.process->send_signal(SIGKILL);
  const double after = cpu_when_idle(pid, 300ms, 30s);
  const std::int64_t to_ns = process::LiveClock::now_ns();
  stop(backend);  // reaped: it was killed on purpose
  if (auto ended = stop(fleet); !ended.empty())
    figures.problems += "wsfo clients (" + label + ") ended early: " + ended + "; ";
  const auto counts = events_between(events, from_ns, to_ns);
  figures.dropped = counts.disconnected;
  figures.drop_cpu_s = after - before;
  if (counts.disconnected != clients)
    figures.problems += "of " + std::to_string(clients) + " clients whose backend was killed, " +
                        std::to_string(counts.disconnected) + " wrote a disconnected event; ";
  if (counts.disconnected) figures.close_us = figures.drop_cpu_s / static_cast<double>(counts.disconnected) * 1e6;
  progress << "  client drops: " << counts.disconnected << " of " << clients << " connections ended by a killed backend, fleet CPU "
           << figures.drop_cpu_s << " s -> " << figures.close_us << " us per connection\n";
}

// The attempt loop: clients that close `close_after` after each open and
// reconnect at once; the fleet's CPU over `duration` per `attempt` event.
void measure_attempts(const ClientCalibrationOptions& options, ClientFigures& figures, std::ostream& progress) {
  const std::string label = "clients-sessions";
  figures.loop = std::to_string(options.session_clients) + " clients closing each connection " +
                 json::format_duration(options.close_after) + " after it opens and reconnecting at once";
  auto backend = start_backend_with(options.wsfo_exe, label, options.dir + "/backend-" + label + ".log",
                                    {"--interval", "0s", "--announce", "self"});
  const std::string events = options.dir + "/" + label + ".events";
  auto fleet = start_clients(options, label, backend.target, options.session_clients,
                             {"--close-after", json::format_duration(options.close_after), "--reconnect", "fixed:0s",
                              "--events", events});
  // The window opens once every client has started its loop: a fixed wait
  // of 500 ms was shorter than a sanitized fleet's start on a busy machine.
  const auto started_by = std::chrono::steady_clock::now() + 30s;
  while (events_between(events, 0, process::LiveClock::now_ns()).attempts < options.session_clients &&
         std::chrono::steady_clock::now() < started_by) {
    require_running(fleet, label);
    std::this_thread::sleep_for(50ms);
  }
  require_running(fleet, label);
  auto window = measure_window(fleet.process->pid(), backend.target, options.duration);
  figures.session_cpu_s = window.cpu_s;
  if (auto ended = stop(fleet); !ended.empty())
    figures.problems += "wsfo clients (" + label + ") ended early: " + ended + "; ";
  if (auto ended = stop(backend); !ended.empty())
    figures.problems += "backend " + label + " ended early: " + ended + "; ";

  auto counts = events_between(events, window.from_ns, window.to_ns);  // complete: the fleet has exited
  figures.attempts = counts.attempts;
  figures.connected = counts.connected;
  figures.session_messages = window.messages();
  std::uint64_t rejected = 0;
  std::string reasons;
  for (const auto& [error, n] : counts.rejected) {
    rejected += n;
    reasons += (reasons.empty() ? "" : ", ") + std::to_string(n) + " " + error;
  }
  if (rejected) figures.problems += std::to_string(rejected) + " attempts of the attempt loop failed (" + reasons + "); ";
  if (figures.attempts == 0) {
    figures.problems += "the attempt loop made no attempt in the window; ";
  } else {
    const auto attempts = static_cast<double>(figures.attempts);
    figures.attempt_us = figures.session_cpu_s / attempts * 1e6;
    figures.messages_per_attempt = static_cast<double>(figures.session_messages) / attempts;
    // The model charges the messages a session receives (welcome,
    // announcement, echo) at the per-message figure and the session's end at
    // the close figure, apart from the attempt.
    figures.handshake_us = figures.attempt_us - figures.messages_per_attempt * std::max(figures.message_us, 0.0) -
                           std::max(figures.close_us, 0.0);
  }
  progress << "  client attempts: " << figures.loop << ", " << figures.attempts
           << " attempts (" << figures.connected << " connected) in " << json::format_duration(options.duration)
           << ", " << figures.session_messages << " messages received, fleet CPU " << figures.session_cpu_s << " s -> "
           << figures.attempt_us << " us per attempt\n";
}

}  // namespace client_calibration_detail

ClientFigures calibrate_clients(const ClientCalibrationOptions& options, std::ostream& progress) {
  using namespace client_calibration_detail;
  ClientFigures figures;
  std::vector<Point> points;
  for (auto clients : options.fanout_clients) {
    auto point = measure_fanout(options, clients, false, figures.problems);
    progress << "  client fan-out: " << clients << " idle clients, " << point.ticks << " broadcasts of "
             << point.messages_per_tick << " messages each in " << json::format_duration(options.duration)
             << ", fleet CPU " << point.cpu_s << " s -> " << point.us_per_message << " us per message received\n";
    figures.fanout.push_back(point);
    if (point.ticks > 0) points.push_back({point.messages_per_tick, point.us_per_tick});
  }
  auto fit = fit_line(points);
  if (!fit.error.empty()) {
    figures.problems += "client fan-out: " + fit.error + "; ";
  } else {
    figures.message_us = fit.slope;
    figures.wakeup_us = fit.intercept;
  }
  measure_drops(options, options.fanout_clients.empty() ? options.session_clients : options.fanout_clients.back(),
                figures, progress);
  measure_attempts(options, figures, progress);
  return figures;
}

ClientFanoutPoint measure_gateway_fanout(const ClientCalibrationOptions& options, std::size_t clients,
                                         std::string& problems) {
  return client_calibration_detail::measure_fanout(options, clients, true, problems);
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return static_cast<unsigned>(CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace wsfo::bench
