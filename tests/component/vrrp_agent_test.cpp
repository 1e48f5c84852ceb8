// `wsfo vrrp-agent` as real processes on loopback: two nodes of one VIP with
// advert_int 1 s and priorities 100/50, timed from their history events
// against keepalived 2.2.7's measured figures (docs/vrrp.md).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/history/event.hpp"
#include "core/vrrp/advert_packet.hpp"
#include "process/child_process.hpp"

namespace {

using namespace std::chrono_literals;
using wsfo::history::Event;
using wsfo::process::ChildProcess;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::uint16_t kVipPort = 18020;

double seconds_between(std::int64_t from_ns, std::int64_t to_ns) { return (to_ns - from_ns) / 1e9; }
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct NodeSpec {
  std::string name;
  std::string address;
  std::string peer;
  int priority;
  std::string vip;
  std::optional<std::string> unhealthy_file;  // with a 1 s track check, weight 0
};

std::filesystem::path write_config(const NodeSpec& spec) {
  Json instance = {{"name", "vip"},
                   {"vrid", 60},
                   {"vips", Json::array({{{"address", spec.vip}, {"port", kVipPort}}})},
                   {"priority", spec.priority},
                   {"advert_int", "1s"},
                   {"variant", "keepalived_v2"},
                   {"peers", Json::array({spec.peer})}};
  if (spec.unhealthy_file) instance["track"] = {{"interval", "1s"}, {"weight", 0}};
  const Json config = {{"node", spec.name}, {"address", spec.address}, {"instances", Json::array({instance})}};
  auto path = std::filesystem::temp_directory_path() /
              ("wsfo-vrrp-agent-" + std::to_string(::getpid()) + "-" + spec.address + ".json");
  std::ofstream(path) << config.dump();
  return path;
}

// One `wsfo vrrp-agent` child; its stdout events are read as they come.
class Agent {
 public:
  explicit Agent(const NodeSpec& spec) : config_(write_config(spec)), process_(argv(spec, config_)) {
    auto started =
        wait_for([](const Event& e) { return e.kind == "vrrp-agent" && e.fields.value("state", "") == "started"; }, 5s);
    if (!started) throw std::runtime_error("no started event; stderr: " + process_.read_stderr(200ms));
    started_ns_ = started->t_ns;
  }
  ~Agent() { std::filesystem::remove(config_); }

  // The next event satisfying `match` (earlier ones are kept in history()).
  template <class Match>
  std::optional<Event> wait_for(Match match, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (std::size_t i = checked_; i < history_.size(); ++i) {
      if (match(history_[i])) {
        checked_ = i + 1;
        return history_[i];
      }
    }
    checked_ = history_.size();
    while (Clock::now() < deadline) {
      auto line = process_.read_stdout_line(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) + 1ms);
      if (!line) return std::nullopt;
      std::string error;
      auto event = wsfo::history::parse_event_line(*line, error);
      if (!event) throw std::runtime_error("bad event line: " + error + ": " + *line);
      history_.push_back(*event);
      checked_ = history_.size();
      if (match(*event)) return event;
    }
    return std::nullopt;
  }

  // A transition to `state` later than `after_ns`: a slow start (ASan) can
  // let the backup become MASTER for a moment before the master's first
  // advert, and that early transition must not pass for a takeover.
  std::optional<Event> wait_for_state(const std::string& state, std::chrono::milliseconds timeout,
                                      std::int64_t after_ns = 0) {
    return wait_for(
        [&](const Event& e) { return e.kind == "vip" && e.fields.value("to", "") == state && e.t_ns > after_ns; },
        timeout);
  }

  // Every `vip` transition read so far, as "FROM>TO".
  std::vector<std::string> transitions() const {
    std::vector<std::string> list;
    for (const auto& e : history_)
      if (e.kind == "vip") list.push_back(e.fields.value("from", "") + ">" + e.fields.value("to", ""));
    return list;
  }

  ChildProcess& process() { return process_; }
  // When the agent's own clock started: its timers run from here, whatever
  // the exec and a sanitized binary's start-up cost before it.
  std::int64_t started_ns() const { return started_ns_; }

 private:
  static std::vector<std::string> argv(const NodeSpec& spec, const std::filesystem::path& config) {
    std::vector<std::string> args{WSFO_BINARY, "vrrp-agent", "--config", config.string()};
    if (spec.unhealthy_file) args.insert(args.end(), {"--unhealthy-file", *spec.unhealthy_file});
    return args;
  }

  std::filesystem::path config_;
  ChildProcess process_;
  std::vector<Event> history_;
  std::size_t checked_ = 0;
  std::int64_t started_ns_ = 0;
};

// A blocking TCP client with a receive timeout, enough for the echo service.
class Connection {
 public:
  Connection(const std::string& address, std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval timeout{3, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &to.sin_addr);
    // The MASTER event precedes the bind by a moment (and a preempting master
    // may wait for the old one to release): retry a refused connect briefly.
    const auto deadline = Clock::now() + 1s;
    while (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      if (errno != ECONNREFUSED || Clock::now() > deadline)
        throw std::runtime_error("connect " + address + ": " + std::strerror(errno));
      std::this_thread::sleep_for(10ms);
    }
  }
  ~Connection() { ::close(fd_); }

  // The greeting: who holds the VIP.
  std::string read_line() {
    std::string line;
    char c = 0;
    while (::recv(fd_, &c, 1, 0) == 1 && c != '\n') line += c;
    return line;
  }
  std::string echo(const std::string& text) {
    ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL);
    std::string reply(text.size(), '\0');
    const auto got = ::recv(fd_, reply.data(), reply.size(), MSG_WAITALL);
    return got > 0 ? reply.substr(0, static_cast<std::size_t>(got)) : std::string();
  }
  // errno of the read that ended the connection (0 for a clean end of stream).
  int read_error() {
    char c = 0;
    const auto got = ::recv(fd_, &c, 1, 0);
    return got < 0 ? errno : (got == 0 ? 0 : -1);
  }

 private:
  int fd_;
};

// Who answers on the VIP, asked again until `expected` does or 2 s pass:
// right after a transition the old holder may still answer, or reset the
// connection as it releases the address (slow under ASan).
std::string holder_of(const std::string& vip, const std::string& expected) {
  std::string answer;
  const auto deadline = Clock::now() + 2s;
  do {
    try {
      answer = Connection(vip, kVipPort).read_line();
    } catch (const std::runtime_error&) {
      answer.clear();
    }
    if (answer == expected) break;
    std::this_thread::sleep_for(20ms);
  } while (Clock::now() < deadline);
  return answer;
}

NodeSpec node_a(const std::string& net) {
  return {"node-a", net + ".14", net + ".15", 100, net + ".100", std::nullopt};
}
NodeSpec node_b(const std::string& net) { return {"node-b", net + ".15", net + ".14", 50, net + ".100", std::nullopt}; }

void send_datagram(const std::string& from, const std::string& to, std::uint16_t port,
                   const std::vector<std::uint8_t>& bytes) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local), 0) << std::strerror(errno);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, to.c_str(), &remote.sin_addr);
  ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&remote), sizeof remote);
  ::close(fd);
}

TEST(VrrpAgent, GracefulStopHandsTheVipOverAfterSkewTimeAndResetsItsConnections) {
  Agent a(node_a("127.0.3"));
  Agent b(node_b("127.0.3"));
  ASSERT_TRUE(a.wait_for_state("MASTER", 6s));  // 3.61 s: the higher priority's Master_Down_Interval
  Connection held("127.0.3.100", kVipPort);
  EXPECT_EQ(held.read_line(), "node-a");
  EXPECT_EQ(held.echo("ping"), "ping");

  // Malformed adverts from the peer's address are dropped and counted.
  send_datagram("127.0.3.14", "127.0.3.15", 1985, {1, 2, 3});
  auto bad_checksum = wsfo::vrrp::encode({60, 100, 100, {0x7F000364}});
  bad_checksum[6] ^= 0xFF;
  send_datagram("127.0.3.14", "127.0.3.15", 1985, bad_checksum);

  const auto stop_ns = now_ns();
  a.process().send_signal(SIGTERM);
  auto takeover = b.wait_for_state("MASTER", 3s, stop_ns);
  ASSERT_TRUE(takeover);
  const double delay = seconds_between(stop_ns, takeover->t_ns);
  std::cout << "graceful stop -> takeover: " << delay << " s (keepalived 0.83 s)\n";
  EXPECT_GE(delay, 0.75);
  EXPECT_LE(delay, 0.91);
  EXPECT_NE(takeover->fields["reason"].get<std::string>().find("resigned (priority 0)"), std::string::npos);
  EXPECT_EQ(held.read_error(), ECONNRESET);  // the old master reset what it had accepted
  ASSERT_TRUE(a.wait_for([](const Event& e) { return e.fields.value("state", "") == "stopped"; }, 2s));
  auto exit = a.process().wait_for_exit(2s);
  ASSERT_TRUE(exit);
  EXPECT_TRUE(exit->exited && exit->code == 0) << exit->describe();
  EXPECT_EQ(a.transitions(), (std::vector<std::string>{"INITIALIZE>BACKUP", "BACKUP>MASTER", "MASTER>INITIALIZE"}));

  EXPECT_EQ(holder_of("127.0.3.100", "node-b"), "node-b");
  b.process().send_signal(SIGTERM);
  auto stopped =
      b.wait_for([](const Event& e) { return e.kind == "vrrp-agent" && e.fields.value("state", "") == "stopped"; }, 2s);
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->fields["dropped"], (Json{{"bad_checksum", 1}, {"short_packet", 1}}));
}

TEST(VrrpAgent, HardKillTakeoverThenRestartPreemptsBack) {
  auto b = std::make_unique<Agent>(node_b("127.0.4"));
  auto a = std::make_unique<Agent>(node_a("127.0.4"));
  auto master = a->wait_for_state("MASTER", 6s);
  ASSERT_TRUE(master);
  EXPECT_EQ(holder_of("127.0.4.100", "node-a"), "node-a");

  // Adverts leave at about master + k s; killing mid-interval reproduces
  // keepalived's measured run (the window allows any phase).
  std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(master->t_ns) + 2450ms));
  const auto kill_ns = now_ns();
  a->process().send_signal(SIGKILL);
  auto takeover = b->wait_for_state("MASTER", 5s, kill_ns);
  ASSERT_TRUE(takeover);
  const double loss_delay = seconds_between(kill_ns, takeover->t_ns);
  std::cout << "hard kill -> takeover: " << loss_delay << " s (keepalived 3.35 s, window [2.80, 3.80])\n";
  EXPECT_GE(loss_delay, 2.80);
  EXPECT_LE(loss_delay, 3.80);
  EXPECT_NE(takeover->fields["reason"].get<std::string>().find("Master_Down_Interval"), std::string::npos);
  a.reset();

  Connection on_b("127.0.4.100", kVipPort);  // connecting to the VIP now reaches the new holder
  EXPECT_EQ(on_b.read_line(), "node-b");
  EXPECT_EQ(on_b.echo("after takeover"), "after takeover");

  const auto restart_ns = now_ns();
  a = std::make_unique<Agent>(node_a("127.0.4"));
  auto back = a->wait_for_state("MASTER", 6s);
  ASSERT_TRUE(back);
  // From the restarted agent's own start: the exec and a sanitized binary's start-up are not VRRP's delay.
  const double preempt_delay = seconds_between(a->started_ns(), back->t_ns);
  std::cout << "restart -> preempted back: " << preempt_delay << " s (keepalived 3.64 s)\n";
  EXPECT_GE(preempt_delay, 3.64 * 0.9);
  EXPECT_LE(preempt_delay, 3.64 * 1.1);
  auto released = b->wait_for_state("BACKUP", 2s, restart_ns);
  ASSERT_TRUE(released);
  EXPECT_NE(released->fields["reason"].get<std::string>().find("outranks ours 50"), std::string::npos);
  EXPECT_EQ(on_b.read_error(), ECONNRESET);
  EXPECT_EQ(holder_of("127.0.4.100", "node-a"), "node-a");
}

TEST(VrrpAgent, PartitionMakesTwoMastersWhoseSecondBindFailsAndHealLeavesOne) {
  Agent a(node_a("127.0.5"));
  Agent b(node_b("127.0.5"));
  ASSERT_TRUE(a.wait_for_state("MASTER", 6s));
  const auto partition_ns = now_ns();
  b.process().send_signal(SIGUSR1);  // b drops adverts to and from a
  ASSERT_TRUE(b.wait_for([](const Event& e) { return e.fields.value("state", "") == "partitioned"; }, 2s));

  auto split = b.wait_for_state("MASTER", 6s);
  ASSERT_TRUE(split);
  auto bind_failed = b.wait_for([](const Event& e) { return e.kind == "vip-bind-failed"; }, 1s);
  ASSERT_TRUE(bind_failed);
  std::cout << "partition -> second master: " << seconds_between(partition_ns, split->t_ns)
            << " s, its bind failed after another " << seconds_between(split->t_ns, bind_failed->t_ns) << " s\n";
  EXPECT_EQ(bind_failed->fields["reason"], "address in use");
  EXPECT_EQ(bind_failed->fields["vip"], "127.0.5.100");
  EXPECT_EQ(bind_failed->fields["instance"], "vip");
  EXPECT_EQ(holder_of("127.0.5.100", "node-a"), "node-a");

  const auto heal_ns = now_ns();
  b.process().send_signal(SIGUSR2);
  auto healed = b.wait_for_state("BACKUP", 3s);  // a's next advert outranks b
  ASSERT_TRUE(healed);
  std::cout << "heal -> one master: " << seconds_between(heal_ns, healed->t_ns) << " s\n";
  EXPECT_FALSE(a.wait_for([](const Event& e) { return e.kind == "vip"; }, 1500ms));  // a stayed MASTER throughout
  EXPECT_EQ(a.transitions(), (std::vector<std::string>{"INITIALIZE>BACKUP", "BACKUP>MASTER"}));
  EXPECT_EQ(b.transitions(), (std::vector<std::string>{"INITIALIZE>BACKUP", "BACKUP>MASTER", "MASTER>BACKUP"}));
  EXPECT_EQ(holder_of("127.0.5.100", "node-a"), "node-a");
}

TEST(VrrpAgent, FailedTrackCheckFaultsTheMasterAndRecoveryPreemptsBack) {
  const auto unhealthy = std::filesystem::temp_directory_path() / ("wsfo-vrrp-unhealthy-" + std::to_string(::getpid()));
  std::filesystem::remove(unhealthy);
  struct RemoveOnExit {
    std::filesystem::path path;
    ~RemoveOnExit() { std::filesystem::remove(path); }
  } cleanup{unhealthy};
  NodeSpec spec_a = node_a("127.0.6");
  spec_a.unhealthy_file = unhealthy.string();
  Agent a(spec_a);
  Agent b(node_b("127.0.6"));
  ASSERT_TRUE(a.wait_for_state("MASTER", 6s));

  std::ofstream(unhealthy) << "stopped\n";         // stop-gateway
  auto fault = a.wait_for_state("FAULT", 2500ms);  // at the next check, at most 1 s away
  ASSERT_TRUE(fault);
  auto takeover = b.wait_for_state("MASTER", 2s);
  ASSERT_TRUE(takeover);
  const double delay = seconds_between(fault->t_ns, takeover->t_ns);
  std::cout << "track fault -> takeover: " << delay << " s (Skew_Time 0.805 s)\n";
  EXPECT_GE(delay, 0.75);
  EXPECT_LE(delay, 0.91);
  EXPECT_EQ(holder_of("127.0.6.100", "node-b"), "node-b");

  std::filesystem::remove(unhealthy);  // start-gateway
  auto recovering = a.wait_for_state("BACKUP", 2500ms);
  ASSERT_TRUE(recovering);
  auto back = a.wait_for_state("MASTER", 5s);
  ASSERT_TRUE(back);
  const double preempt = seconds_between(recovering->t_ns, back->t_ns);
  std::cout << "track up -> preempted back: " << preempt << " s\n";
  EXPECT_NEAR(preempt, 3.609, 0.1);
  ASSERT_TRUE(b.wait_for_state("BACKUP", 2s));
  EXPECT_EQ(holder_of("127.0.6.100", "node-a"), "node-a");
}

}  // namespace
