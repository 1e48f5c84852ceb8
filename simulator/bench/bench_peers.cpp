#include "simulator/bench/bench_peers.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace wsfo::bench {

namespace {

using namespace std::chrono_literals;

std::string text_of(const Target& t) { return t.host + ":" + std::to_string(t.port); }

Target parse_target(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("not HOST:PORT: " + text);
  return Target{text.substr(0, colon), static_cast<unsigned short>(std::stoi(text.substr(colon + 1)))};
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// A port the kernel just handed out on 127.0.0.1 (nginx has no "port 0").
unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot pick a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(const Target& target) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(target.port);
  ::inet_pton(AF_INET, target.host.c_str(), &address.sin_addr);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::string read_log(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "ready A:P ..." -> the second word.
Target ready_target(process::ChildProcess& child, const std::string& what, const std::string& log) {
  auto line = child.read_stdout_line(10s);
  if (!line || !line->starts_with("ready "))
    throw std::runtime_error(what + " did not print its ready line; its log " + log + ": " + read_log(log));
  std::istringstream words(line->substr(6));
  std::string address;
  words >> address;
  return parse_target(address);
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/wsfo-bench-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a directory like " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

RunningProcess start_backend(const std::string& wsfo_exe, const std::string& label, const std::string& log,
                             const std::vector<std::string>& extra) {
  std::vector<std::string> argv{wsfo_exe, "backend", "--label", label, "--listen", "127.0.0.1:0", "--interval", "0s"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunningProcess running;
  running.process = std::make_unique<process::ChildProcess>(argv, log);
  running.target = ready_target(*running.process, "backend " + label, log);
  return running;
}

std::vector<RunningProcess> start_backends(const std::string& wsfo_exe, const std::string& dir, std::size_t count,
                                           const std::vector<std::string>& extra) {
  std::vector<RunningProcess> backends;
  for (std::size_t i = 0; i < count; ++i) {
    auto label = "b" + std::to_string(i);
    backends.push_back(start_backend(wsfo_exe, label, dir + "/backend-" + label + ".log", extra));
  }
  return backends;
}

std::vector<Target> targets_of(const std::vector<RunningProcess>& processes) {
  std::vector<Target> targets;
  for (const auto& p : processes) targets.push_back(p.target);
  return targets;
}

std::string gateway_config(const std::vector<Target>& backends, std::size_t relay_buffer_bytes,
                           const TlsFiles* tls) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& b : backends) addresses.push_back(text_of(b));
  nlohmann::json config = {
      {"node", "bench-gw"},
      {"unit", "bench"},
      {"listen", {"127.0.0.1:0"}},
      {"admin", {{"listen", "127.0.0.1:0"}}},
      {"units", {{"bench", {{"public_url", "ws://bench.wsfo.test"}}}}},
      {"rules", {{"version", 1}, {"modulus", 10000}, {"ranges", {{{"from", 0}, {"to", 9999}, {"unit", "bench"}}}}}},
      {"routes", {{{"prefix", "/"}, {"backends", addresses}, {"balance", "round_robin"}}}},
      // connect_timeout as nginx's proxy_connect_timeout default: 5000 simultaneous upstream connects
      // overflow the backends' accept queues on a loaded machine, and SYN retries take seconds.
      {"limits",
       {{"max_connections", 19000},
        {"idle_timeout", "3600s"},
        {"handshake_timeout", "30s"},
        {"connect_timeout", "60s"}}},
  };
  if (relay_buffer_bytes > 0) config["limits"]["relay_buffer_bytes"] = relay_buffer_bytes;
  if (tls) config["tls"] = {{"certificate", tls->certificate}, {"key", tls->key}};
  return config.dump(2) + "\n";
}

RunningProcess start_wsfo_gateway(const std::string& wsfo_exe, const std::string& dir,
                                  const std::vector<Target>& backends, std::size_t relay_buffer_bytes,
                                  const TlsFiles* tls) {
  std::string config = dir + "/gateway.json";
  std::string log = dir + "/gateway.log";
  write_file(config, gateway_config(backends, relay_buffer_bytes, tls));
  RunningProcess running;
  running.process =
      std::make_unique<process::ChildProcess>(std::vector<std::string>{wsfo_exe, "gateway", "--config", config}, log);
  running.target = ready_target(*running.process, "wsfo gateway", log);
  return running;
}

std::string nginx_config(const std::string& dir, unsigned short port, const std::vector<Target>& backends,
                         int listen_backlog, const TlsFiles* tls) {
  std::ostringstream c;
  c << "# Written by wsfo bench gateway: a plain WebSocket proxy, one process.\n"
    << "worker_processes 1;\nmaster_process off;\ndaemon off;\nworker_rlimit_nofile 20000;\n"
    << "pid " << dir << "/nginx.pid;\nerror_log " << dir << "/nginx-error.log warn;\n"
    << "events { worker_connections 20000; }\n"
    << "http {\n  access_log off;\n";
  for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"})
    c << "  " << kind << "_temp_path " << dir << "/" << kind << "_temp;\n";
  c << "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
    << "  upstream backends {\n";
  for (const auto& b : backends) c << "    server " << text_of(b) << ";\n";
  c << "  }\n  server {\n    listen 127.0.0.1:" << port;
  if (listen_backlog > 0) c << " backlog=" << listen_backlog;
  if (tls) c << " ssl";
  c << ";\n";
  if (tls)  // as the gateway: TLS 1.2 and 1.3, full handshakes only
    c << "    ssl_certificate " << tls->certificate << ";\n    ssl_certificate_key " << tls->key << ";\n"
      << "    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_tickets off;\n    ssl_session_cache off;\n";
  c << "    location / {\n"
    << "      proxy_pass http://backends;\n      proxy_http_version 1.1;\n"
    << "      proxy_set_header Upgrade $http_upgrade;\n      proxy_set_header Connection $connection_upgrade;\n"
    << "      proxy_set_header Host $host;\n      proxy_read_timeout 3600s;\n      proxy_send_timeout 3600s;\n"
    << "    }\n  }\n}\n";
  return c.str();
}

RunningProcess start_nginx(const std::string& nginx_exe, const std::string& dir, const std::vector<Target>& backends,
                           int listen_backlog, const TlsFiles* tls) {
  auto port = free_port();
  std::string config = dir + "/nginx.conf";
  std::string log = dir + "/nginx-error.log";
  write_file(config, nginx_config(dir, port, backends, listen_backlog, tls));
  RunningProcess running;
  running.process = std::make_unique<process::ChildProcess>(
      std::vector<std::string>{nginx_exe, "-p", dir + "/", "-e", log, "-c", config}, log);
  running.target = Target{"127.0.0.1", port};
  for (auto deadline = std::chrono::steady_clock::now() + 10s; !accepts(running.target);) {
    if (auto exited = running.process->wait_for_exit(50ms))
      throw std::runtime_error("nginx " + exited->describe() + "; its log " + log + ": " + read_log(log));
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("nginx did not accept on " + text_of(running.target) + " within 10 s; log " + log);
  }
  return running;
}

std::string stop(RunningProcess& running) {
  if (!running.process) return {};
  if (auto early = running.process->wait_for_exit(0ms)) {
    running.process.reset();
    return early->describe();
  }
  running.process->send_signal(SIGTERM);
  if (!running.process->wait_for_exit(3s)) running.process->send_signal(SIGKILL);
  running.process->wait_for_exit(3s);
  running.process.reset();
  return {};
}

std::string log_tail(const std::string& path, std::size_t max_bytes) {
  auto text = read_log(path);
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

namespace {

// A "<field> <n> kB" line of /proc/<pid>/status; -1 when it cannot be read.
long status_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with(field)) return std::stol(line.substr(field.size()));
  return -1;
}

}  // namespace

long resident_kib(pid_t pid) { return status_kib(pid, "VmRSS:"); }

long peak_resident_kib(pid_t pid) { return status_kib(pid, "VmHWM:"); }

double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  auto end_of_name = text.rfind(')');  // the command name may hold spaces
  if (end_of_name == std::string::npos) return -1;
  std::istringstream fields(text.substr(end_of_name + 2));
  std::string field;
  double ticks = 0;
  for (int index = 3; fields >> field && index <= 15; ++index)
    if (index == 14 || index == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace wsfo::bench
