#include "simulator/bench/backend_calibration.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/json/json_reader.hpp"
#include "process/live_clock.hpp"
#include "simulator/bench/held_connections_cost.hpp"
#include "simulator/bench/ws_load.hpp"

namespace wsfo::bench {

namespace backend_calibration_detail {

using namespace std::chrono_literals;

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A blocking HTTP/1.1 GET with `Connection: close`: the whole answer.
std::string http_get(const Target& target, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("cannot open a socket");
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(target.port);
  ::inet_pton(AF_INET, target.host.c_str(), &address.sin_addr);
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: calibrate\r\nConnection: close\r\n\r\n";
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char chunk[4096];
    for (ssize_t n; (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;) answer.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

// CPU per broadcast at one fan-out: a fresh backend ticking every
// `interval`, `clients` idle clients read by this process, the backend's
// CPU over `duration` divided by the broadcasts its /stats counted.
FanoutPoint measure_fanout(const BackendCalibrationOptions& options, std::size_t clients, std::string& problems) {
  auto label = "fanout" + std::to_string(clients);
  auto backend = start_backend_with(options.wsfo_exe, label, options.dir + "/backend-" + label + ".log",
                                    {"--interval", json::format_duration(options.interval), "--announce", "self"});
  FanoutPoint point;
  point.clients = clients;
  IdleConnections idle;
  if (clients > 0) {
    auto opened = idle.open(backend.target, clients, 30s);
    if (opened < clients)
      problems +=
          std::to_string(clients - opened) + " of " + std::to_string(clients) + " fan-out clients failed to connect; ";
  }
  std::this_thread::sleep_for(300ms);  // the welcomes and announcements are over
  auto window = measure_window(backend.process->pid(), backend.target, options.duration);
  idle.close();
  if (auto ended = stop(backend); !ended.empty()) problems += "backend " + label + " ended early: " + ended + "; ";
  point.ticks = window.broadcasts();
  if (point.ticks == 0) {
    problems += "backend " + label + " sent no broadcast in the window; ";
    return point;
  }
  point.clients_per_tick = static_cast<double>(window.messages()) / static_cast<double>(point.ticks);
  point.cpu_us_per_tick = window.cpu_s / static_cast<double>(point.ticks) * 1e6;
  return point;
}

}  // namespace backend_calibration_detail

RunningProcess start_backend_with(const std::string& wsfo_exe, const std::string& label, const std::string& log,
                                  const std::vector<std::string>& extra_flags) {
  std::vector<std::string> argv{wsfo_exe, "backend", "--label", label, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  RunningProcess running;
  running.process = std::make_unique<process::ChildProcess>(argv, log);
  auto line = running.process->read_stdout_line(std::chrono::seconds(10));
  if (!line || !line->starts_with("ready "))
    throw std::runtime_error("backend " + label + " did not start; its log " + log + ": " +
                             backend_calibration_detail::file_text(log));
  std::istringstream words(line->substr(6));
  std::string address;
  words >> address;
  auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("backend " + label + " printed " + *line);
  running.target = Target{address.substr(0, colon), static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))};
  return running;
}

BackendStatsSample read_backend_stats(const Target& backend) {
  auto answer = backend_calibration_detail::http_get(backend, "/stats");
  auto body = answer.find("\r\n\r\n");
  if (!answer.starts_with("HTTP/1.1 200") || body == std::string::npos)
    throw std::runtime_error("backend " + backend.host + ":" + std::to_string(backend.port) +
                             " did not answer GET /stats");
  auto stats = nlohmann::json::parse(answer.substr(body + 4), nullptr, false);
  if (!stats.is_object() || !stats.contains("messages_sent") || !stats.contains("last_broadcast_seq"))
    throw std::runtime_error("backend GET /stats: no messages_sent or last_broadcast_seq");
  return {stats["messages_sent"].get<std::uint64_t>(), stats["last_broadcast_seq"].get<std::uint64_t>(),
          stats.value("open_connections", std::uint64_t{0})};
}

StatsWindow measure_window(pid_t pid, const Target& backend, std::chrono::nanoseconds duration) {
  StatsWindow window;
  window.before = read_backend_stats(backend);
  window.from_ns = process::LiveClock::now_ns();
  double cpu = process_cpu_seconds(pid);
  std::this_thread::sleep_for(duration);
  window.cpu_s = process_cpu_seconds(pid) - cpu;
  window.to_ns = process::LiveClock::now_ns();
  window.after = read_backend_stats(backend);
  return window;
}

BackendFigures calibrate_backend(const BackendCalibrationOptions& options, std::ostream& progress) {
  using namespace std::chrono_literals;
  BackendFigures figures;
  std::vector<Point> points;
  for (auto clients : options.fanout_clients) {
    auto point = backend_calibration_detail::measure_fanout(options, clients, figures.problems);
    progress << "  backend fan-out: " << clients << " clients, " << point.ticks << " broadcasts of "
             << point.clients_per_tick << " messages each in " << json::format_duration(options.duration) << " -> "
             << point.cpu_us_per_tick << " us of backend CPU per broadcast\n";
    figures.fanout.push_back(point);
    if (point.ticks > 0) points.push_back({point.clients_per_tick, point.cpu_us_per_tick});
  }
  auto fit = fit_line(points);
  if (!fit.error.empty()) {
    figures.problems += "backend fan-out: " + fit.error + "; ";
  } else {
    figures.broadcast_us = fit.intercept;
    figures.message_us = fit.slope;
  }

  // Upgrades: connect/upgrade/close loops straight to a backend (no ticks,
  // announcements to the new client only).
  auto backend = start_backend_with(options.wsfo_exe, "sessions", options.dir + "/backend-sessions.log",
                                    {"--interval", "0s", "--announce", "self"});
  const pid_t pid = backend.process->pid();
  double cpu = process_cpu_seconds(pid);
  auto sessions = run_sessions(backend.target, options.session_concurrency, options.duration);
  double used = process_cpu_seconds(pid) - cpu;
  if (auto ended = stop(backend); !ended.empty()) figures.problems += "backend sessions ended early: " + ended + "; ";
  if (sessions.failures) figures.problems += std::to_string(sessions.failures) + " backend sessions failed; ";
  figures.sessions = sessions.sessions;
  if (sessions.sessions > 0) figures.session_us = used / static_cast<double>(sessions.sessions) * 1e6;
  progress << "  backend sessions: " << sessions.sessions << " connect/upgrade/close in "
           << json::format_duration(options.duration) << ", backend CPU " << used << " s -> " << figures.session_us
           << " us per session\n";

  // Connections held open, then closed: the upgrade apart from the teardown.
  auto idle = start_backend_with(options.wsfo_exe, "held", options.dir + "/backend-held.log",
                                 {"--interval", "0s", "--announce", "self"});
  auto held = measure_held_connections(idle.process->pid(), idle.target, options.held_connections);
  if (auto ended = stop(idle); !ended.empty()) figures.problems += "backend held ended early: " + ended + "; ";
  figures.held = held.opened;
  if (held.opened == 0) {
    figures.problems += "no idle connection could be opened to a backend; ";
    return figures;
  }
  figures.open_us = held.open_us();
  figures.close_us = held.close_us();
  // The model charges the welcome and the announcement as messages of their own.
  figures.handshake_us = figures.open_us - 2 * std::max(figures.message_us, 0.0);
  progress << "  backend idle: " << held.opened << " connections opened (backend CPU " << held.open_cpu_s << " s -> "
           << figures.open_us << " us each), closed (" << held.close_cpu_s << " s -> " << figures.close_us
           << " us each)\n";
  return figures;
}

}  // namespace wsfo::bench
