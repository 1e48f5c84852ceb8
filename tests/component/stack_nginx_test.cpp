// Real nginx with the config rendered from a scenario unit, on loopback: two
// `wsfo backend`s behind it, WebSocket clients through it. The real-stack
// engine runs the same config in a node's namespace; here the address map is
// the identity and every address is 127.75.x.y.
#include <utility>  // Boost 1.74's asio awaitable needs it first
//
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "core/history/event.hpp"
#include "core/stack/keepalived_config.hpp"
#include "core/stack/nginx_config.hpp"
#include "process/child_process.hpp"

namespace stack_nginx_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using wsfo::process::ChildProcess;

constexpr const char* kNginx = "/usr/sbin/nginx";
constexpr const char* kNodeAddress = "127.75.0.14";

// A `wsfo backend` on `address` with a free port, named `name` in X-Wsfo-Backend.
struct Backend {
  Backend(const std::string& name, const std::string& address)
      : process({WSFO_BINARY, "backend", "--label", name, "--name", name, "--listen", address + ":0"}) {
    auto line = process.read_stdout_line(5s);
    if (!line) throw std::runtime_error("backend " + name + ": no ready line; " + process.read_stderr(100ms));
    std::smatch match;
    if (!std::regex_match(*line, match, std::regex(R"(ready [0-9.]+:(\d+))")))
      throw std::runtime_error("backend " + name + ": unexpected first line: " + *line);
    port = static_cast<std::uint16_t>(std::stoi(match[1]));
  }
  ChildProcess process;
  std::uint16_t port = 0;
};

// A port free on the wildcard address, where nginx listens.
std::uint16_t free_wildcard_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

struct Handshake {
  bool ok = false;
  std::string error;
  std::string node, unit, backend;
};

// One WebSocket handshake to nginx, closed right after.
Handshake handshake(std::uint16_t port) {
  Handshake result;
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws(io);
  beast::get_lowest_layer(ws).expires_after(5s);
  beast::error_code ec;
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address(kNodeAddress), port), ec);
  websocket::response_type response;
  if (!ec) ws.handshake(response, std::string(kNodeAddress) + ":" + std::to_string(port), "/", ec);
  if (ec) {
    result.error = ec.message();
    return result;
  }
  result.ok = true;
  result.node = std::string(response["X-Wsfo-Node"]);
  result.unit = std::string(response["X-Wsfo-Unit"]);
  result.backend = std::string(response["X-Wsfo-Backend"]);
  ws.close(websocket::close_code::normal, ec);
  return result;
}

// nginx with the rendered config in a fresh prefix directory; stops nginx
// and every worker, and removes the directory, whatever happens.
class Nginx {
 public:
  Nginx(const wsfo::scenario::Unit& unit, const wsfo::scenario::Node& node)
      : dir_(std::filesystem::path(::testing::TempDir()) / ("stack-nginx-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    files_ = {dir_.string(), (dir_ / "nginx.pid").string(), (dir_ / "error.log").string(),
              (dir_ / "access.log").string()};
    std::string error;
    config_ = wsfo::stack::render_nginx_config(
        unit, node, [](const std::string& address) { return address; }, files_, {}, error);
    if (config_.empty()) throw std::runtime_error("render: " + error);
    std::ofstream(dir_ / "nginx.conf") << config_;
    wsfo::process::ChildOptions options;
    options.log_file = (dir_ / "stderr.log").string();
    options.stdout_to_log = true;
    process_.emplace(std::vector<std::string>{kNginx, "-p", dir_.string(), "-c", (dir_ / "nginx.conf").string()},
                     options);
  }
  ~Nginx() {
    kill_all();
    std::filesystem::remove_all(dir_);
  }

  // nginx answers TCP on `port` (its workers accept).
  bool wait_ready(std::uint16_t port) {
    for (auto deadline = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < deadline;) {
      net::io_context io;
      tcp::socket socket(io);
      beast::error_code ec;
      socket.connect(tcp::endpoint(net::ip::make_address(kNodeAddress), port), ec);
      if (!ec && std::filesystem::exists(files_.pid_file)) return true;
      if (process_->try_wait()) return false;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  // SIGKILL of the master alone, as a crash: its workers are killed too,
  // by pid (found before), so nothing outlives the test.
  void kill_master() {
    workers_ = children_of(process_->pid());
    process_->send_signal(SIGKILL);
  }
  void reap() { process_->wait_for_exit(5s); }
  void kill_all() {
    if (process_ && !process_->try_wait()) workers_ = children_of(process_->pid());
    // The master first (SIGKILL and reap): a live master that sees a worker
    // die starts another, which would outlive the test.
    process_.reset();
    for (pid_t worker : workers_) ::kill(worker, SIGKILL);
    workers_.clear();
  }

  std::string log() const {
    std::ifstream in(dir_ / "stderr.log");
    std::ifstream error_log(files_.error_log);
    std::stringstream text;
    text << in.rdbuf() << error_log.rdbuf();
    return text.str();
  }
  const wsfo::stack::NginxFiles& files() const { return files_; }
  const std::string& config() const { return config_; }

 private:
  static std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> children;
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    for (pid_t child; in >> child;) children.push_back(child);
    return children;
  }

  std::filesystem::path dir_;
  wsfo::stack::NginxFiles files_;
  std::string config_;
  std::optional<ChildProcess> process_;
  std::vector<pid_t> workers_;
};

struct OneNodeUnit {
  OneNodeUnit() {
    unit.name = "lb";
    unit.nodes = {{"server1", kNodeAddress, free_wildcard_port(), 0}};
    unit.backends = {{"app16", "127.75.0.16", app16.port}, {"app17", "127.75.0.17", app17.port}};
    unit.routes = {{"/", {"app16", "app17"}, wsfo::scenario::Balance::round_robin}};
  }
  std::uint16_t port() const { return unit.nodes[0].port; }

  Backend app16{"app16", "127.75.0.16"};
  Backend app17{"app17", "127.75.0.17"};
  wsfo::scenario::Unit unit;
};

// The check command's script, run as keepalived runs it (`/bin/sh -c SCRIPT`).
int run_check(const std::string& pid_file) {
  const std::string command = wsfo::stack::nginx_check_command(pid_file);
  const std::string prefix = "/bin/sh -c '";
  const std::string script = command.substr(prefix.size(), command.size() - prefix.size() - 1);
  ChildProcess shell({"/bin/sh", "-c", script});
  auto status = shell.wait_for_exit(5s);
  return status && status->exited ? status->code : -1;
}

bool have_nginx() { return std::filesystem::exists(kNginx); }

TEST(StackNginx, ProxiesWebSocketsRoundRobinWithTheNodeHeaders) {
  if (!have_nginx()) GTEST_SKIP() << kNginx << " is missing (Debian package nginx-light)";
  OneNodeUnit fixture;
  Nginx nginx(fixture.unit, fixture.unit.nodes[0]);
  ASSERT_TRUE(nginx.wait_ready(fixture.port())) << nginx.log() << "\n" << nginx.config();

  std::vector<std::string> backends;
  for (int i = 0; i < 4; ++i) {
    auto result = handshake(fixture.port());
    ASSERT_TRUE(result.ok) << result.error << "\n" << nginx.log();
    EXPECT_EQ(result.node, "server1");
    EXPECT_EQ(result.unit, "lb");
    backends.push_back(result.backend);
  }
  // One worker, two servers: strictly alternating.
  EXPECT_EQ(std::set<std::string>(backends.begin(), backends.end()), (std::set<std::string>{"app16", "app17"}));
  EXPECT_NE(backends[0], backends[1]);
  EXPECT_EQ(backends[0], backends[2]);
  EXPECT_EQ(backends[1], backends[3]);
}

TEST(StackNginx, ClientsRecordTheNodeAndUnitOfNginx) {
  if (!have_nginx()) GTEST_SKIP() << kNginx << " is missing (Debian package nginx-light)";
  OneNodeUnit fixture;
  Nginx nginx(fixture.unit, fixture.unit.nodes[0]);
  ASSERT_TRUE(nginx.wait_ready(fixture.port())) << nginx.log();

  const auto events_path =
      std::filesystem::path(::testing::TempDir()) / ("stack-nginx-clients-" + std::to_string(::getpid()) + ".jsonl");
  ChildProcess clients({WSFO_BINARY, "clients", "--url",
                        "ws://" + std::string(kNodeAddress) + ":" + std::to_string(fixture.port()) + "/",
                        "--router-ids", "101,102,103,104", "--duration", "1500ms", "--events", events_path.string()});
  auto status = clients.wait_for_exit(15s);
  ASSERT_TRUE(status) << "wsfo clients did not exit";
  EXPECT_TRUE(status->exited && status->code == 0) << status->describe() << ": " << clients.read_stderr(100ms);

  std::ifstream in(events_path);
  std::set<std::string> backend_names;
  int connected = 0;
  for (std::string line; std::getline(in, line);) {
    std::string error;
    auto event = wsfo::history::parse_event_line(line, error);
    ASSERT_TRUE(event) << error << "\n" << line;
    if (event->kind != "connected") continue;
    ++connected;
    EXPECT_EQ(event->fields["node"], "server1") << line;
    EXPECT_EQ(event->fields["unit"], "lb") << line;
    backend_names.insert(event->fields.value("backend_name", ""));
  }
  std::filesystem::remove(events_path);
  EXPECT_EQ(connected, 4) << nginx.log();
  EXPECT_EQ(backend_names, (std::set<std::string>{"app16", "app17"}));
}

TEST(StackNginx, TheTrackCheckFollowsTheNginxMaster) {
  if (!have_nginx()) GTEST_SKIP() << kNginx << " is missing (Debian package nginx-light)";
  OneNodeUnit fixture;
  Nginx nginx(fixture.unit, fixture.unit.nodes[0]);
  ASSERT_TRUE(nginx.wait_ready(fixture.port())) << nginx.log();
  EXPECT_EQ(run_check(nginx.files().pid_file), 0) << "nginx runs";

  nginx.kill_master();
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(std::filesystem::exists(nginx.files().pid_file)) << "a SIGKILLed nginx leaves its pid file";
  EXPECT_NE(run_check(nginx.files().pid_file), 0) << "killed, not yet reaped (a zombie)";
  nginx.reap();
  EXPECT_NE(run_check(nginx.files().pid_file), 0) << "killed and reaped: a stale pid";
}

}  // namespace stack_nginx_test
